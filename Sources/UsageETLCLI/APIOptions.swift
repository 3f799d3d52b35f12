import ArgumentParser
import Curl
import Foundation
import Pipeline

/// Options shared by the commands that call the API. The key never comes from argv.
struct APIOptions: ParsableArguments {
    @Option(help: "Read the admin key from this file instead of OPENAI_ADMIN_KEY.")
    var adminKeyFile: String?

    @Option(help: "A PEM CA bundle to trust (e.g. a corporate TLS proxy). Verification is always on.")
    var caFile: String?

    @Option(help: "Client-side request-rate cap, requests per minute.")
    var requestsPerMinute: Int = 60

    @Option(help: "Worker threads across endpoints and windows.")
    var parallelism: Int = 2

    @Option(help: "Buckets per page when smaller than the API's cap (default: the cap, the fewest requests).")
    var pageLimit: Int?

    func validate() throws {
        guard requestsPerMinute > 0 else { throw ValidationError("--requests-per-minute must be positive") }
        guard (1...32).contains(parallelism) else { throw ValidationError("--parallelism must be between 1 and 32") }
        if let pageLimit, pageLimit < 1 { throw ValidationError("--page-limit must be positive") }
    }

    /// The API configuration from flags and environment; a missing key is a configuration error.
    func configuration() throws -> APIConfiguration {
        let environment = ProcessInfo.processInfo.environment
        var key: String
        if let file = adminKeyFile {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw CommandFailure.usage("cannot read --admin-key-file \(file)")
            }
            key = text.trimmingCharacters(in: .whitespacesAndNewlines)
        } else {
            key = environment["OPENAI_ADMIN_KEY"] ?? ""
        }
        guard !key.isEmpty else {
            throw CommandFailure.usage("no admin key: set OPENAI_ADMIN_KEY or pass --admin-key-file FILE")
        }
        var http = HTTPClientConfiguration()
        http.caFile = caFile
        var configuration = APIConfiguration(baseURL: environment["OPENAI_BASE_URL"] ?? "https://api.openai.com/v1", adminKey: key,
                                             organizationHeader: environment["OPENAI_ORGANIZATION"],
                                             projectHeader: environment["OPENAI_PROJECT"], http: http)
        configuration.requestsPerMinute = requestsPerMinute
        configuration.pageLimit = pageLimit
        if let attempts = environment["USAGE_ETL_MAX_ATTEMPTS"].flatMap(Int.init) { configuration.maxAttempts = attempts }
        if let backoff = environment["USAGE_ETL_BASE_BACKOFF"].flatMap(Double.init) { configuration.baseBackoff = backoff }
        return configuration
    }

    /// The organization the loaded rows belong to.
    var organization: String { ProcessInfo.processInfo.environment["OPENAI_ORGANIZATION"] ?? "default" }
}
