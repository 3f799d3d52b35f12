import APIClient
import ArgumentParser
import Curl
import Foundation
import Pipeline
import Postgres
import Warehouse

/// Options shared by the commands that call the API. The key never comes from argv.
struct APIOptions: ParsableArguments {
    @Option(help: "Read the admin key from this file instead of OPENAI_ADMIN_KEY.")
    var adminKeyFile: String?

    @Option(help: "A PEM CA bundle to trust (e.g. a corporate TLS proxy). Verification is always on.")
    var caFile: String?

    @Option(help: "Client-side request-rate cap, requests per minute (default: the pipeline's, else 60).")
    var requestsPerMinute: Int?

    @Option(help: "Worker threads across endpoints and windows (default: the pipeline's, else 2).")
    var parallelism: Int?

    @Option(help: "Buckets per page when smaller than the API's cap (default: the pipeline's, else the cap: the fewest requests).")
    var pageLimit: Int?

    @OptionGroup var organizationsFile: OrganizationsOption

    func validate() throws {
        if let requestsPerMinute, requestsPerMinute < 1 { throw ValidationError("--requests-per-minute must be positive") }
        if let parallelism, !(1...32).contains(parallelism) { throw ValidationError("--parallelism must be between 1 and 32") }
        if let pageLimit, pageLimit < 1 { throw ValidationError("--page-limit must be positive") }
    }

    /// Worker threads: the flag, else the pipeline's.
    func parallelism(_ pipeline: PipelineDefinition?) -> Int { parallelism ?? pipeline?.parallelism ?? 2 }

    /// What a loading command reaches: one admin key (flags and environment), or every organization
    /// of an organizations file, each with its own key and rate cap.
    enum Targets {
        case single(APIConfiguration)
        case several([(entry: OrganizationsFile.Entry, configuration: APIConfiguration)])
    }

    /// The targets from flags, the pipeline, the organizations file and the environment.
    func targets(_ pipeline: PipelineDefinition? = nil) throws -> Targets {
        guard let file = try organizationsFile.file() else { return .single(try configuration(pipeline)) }
        if adminKeyFile != nil {
            throw CommandFailure.usage("--admin-key-file and --organizations cannot be combined: each organization names its own key")
        }
        if let organization = ProcessInfo.processInfo.environment["OPENAI_ORGANIZATION"], !organization.isEmpty {
            throw CommandFailure.usage("OPENAI_ORGANIZATION names one organization; with --organizations give each entry its id instead")
        }
        let environment = ProcessInfo.processInfo.environment
        var keys: [String: String] = [:] // key -> the entry that holds it (compared in memory, never shown)
        return .several(try file.entries.enumerated().map { index, entry in
            let context = "\(organizationsFile.path ?? "") organizations[\(index)] (\(entry.name))"
            let key: String
            switch entry.key {
            case .file(let path):
                guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                    throw CommandFailure.usage("\(context): cannot read admin_key_file \(path)")
                }
                key = text.trimmingCharacters(in: .whitespacesAndNewlines)
            case .environment(let name):
                key = environment[name] ?? ""
            }
            if let other = keys[key], !key.isEmpty {
                throw CommandFailure.usage("\(context) holds the same admin key as \(other): each organization once, with its own key")
            }
            keys[key] = "organizations[\(index)] (\(entry.name))"
            var configuration = try configuration(pipeline, key: key, keySource: "\(context): \(entry.key)", organization: entry.id)
            if let rate = entry.requestsPerMinute { configuration.requestsPerMinute = rate }
            return (entry, configuration)
        })
    }

    /// The API configuration from flags, the pipeline and the environment; a missing key is a configuration error.
    func configuration(_ pipeline: PipelineDefinition? = nil) throws -> APIConfiguration {
        let environment = ProcessInfo.processInfo.environment
        if let file = adminKeyFile {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw CommandFailure.usage("cannot read --admin-key-file \(file)")
            }
            return try configuration(pipeline, key: text.trimmingCharacters(in: .whitespacesAndNewlines), keySource: "--admin-key-file",
                                     organization: environment["OPENAI_ORGANIZATION"])
        }
        return try configuration(pipeline, key: environment["OPENAI_ADMIN_KEY"] ?? "", keySource: "OPENAI_ADMIN_KEY",
                                 organization: environment["OPENAI_ORGANIZATION"])
    }

    /// The configuration for `key` (read from `keySource`, named in errors, never the key itself).
    private func configuration(_ pipeline: PipelineDefinition?, key: String, keySource: String, organization: String?) throws -> APIConfiguration {
        let environment = ProcessInfo.processInfo.environment
        guard !key.isEmpty else {
            if keySource == "OPENAI_ADMIN_KEY" { throw CommandFailure.usage("no admin key: set OPENAI_ADMIN_KEY or pass --admin-key-file FILE") }
            throw CommandFailure.usage("no admin key in \(keySource)")
        }
        guard !key.contains(where: { $0.isNewline || $0 == "\0" }) else {
            throw CommandFailure.usage("the admin key of \(keySource) must be one line (it is sent as a header); its value is not shown")
        }
        var http = HTTPClientConfiguration()
        http.caFile = caFile
        var configuration = APIConfiguration(baseURL: environment["OPENAI_BASE_URL"] ?? "https://api.openai.com/v1", adminKey: key,
                                             organizationHeader: organization,
                                             projectHeader: environment["OPENAI_PROJECT"], http: http)
        configuration.requestsPerMinute = requestsPerMinute ?? pipeline?.requestsPerMinute ?? 60
        configuration.pageLimit = pageLimit ?? pipeline?.pageLimit
        if let text = environment["USAGE_ETL_MAX_ATTEMPTS"] {
            guard let attempts = Int(text), (1...100).contains(attempts) else {
                throw CommandFailure.usage("USAGE_ETL_MAX_ATTEMPTS must be a whole number between 1 and 100, not '\(text.prefix(40))'")
            }
            configuration.maxAttempts = attempts
        }
        if let text = environment["USAGE_ETL_BASE_BACKOFF"] {
            guard let backoff = Double(text), backoff.isFinite, (0...600).contains(backoff) else {
                throw CommandFailure.usage("USAGE_ETL_BASE_BACKOFF must be seconds between 0 and 600, not '\(text.prefix(40))'")
            }
            configuration.baseBackoff = backoff
        }
        for (name, value) in [("OPENAI_ORGANIZATION", configuration.organizationHeader), ("OPENAI_PROJECT", configuration.projectHeader)] {
            if let value, value.contains(where: { $0.isNewline || $0 == "\0" }) {
                throw CommandFailure.usage("\(name) must be one line (it is sent as a header)")
            }
        }
        return configuration
    }

    /// The organization the rows are filed under: `OPENAI_ORGANIZATION`, else the one remembered
    /// for this key, else what the API says (the `organization_id` on costs results), else the
    /// placeholder `default` until a later run learns it. Rows filed under the placeholder move to
    /// the organization as soon as it is known (`OrganizationRegistry`).
    ///
    /// With `trusting: false` (an organizations file's id, before any request has shown the key
    /// reads it) a configured id is checked against the organization remembered for the key and
    /// returned without remembering anything: `rememberVerified` does that after the run.
    func organization(_ configuration: APIConfiguration, now: Int64, connection: PostgresConnection, trusting: Bool = true) throws -> String {
        let registry = OrganizationRegistry(connection: connection)
        let fingerprint = try registry.fingerprint(ofKey: configuration.adminKey)
        let remembered = try registry.remembered(fingerprint)
        var organization: String
        if let configured = configuration.organizationHeader, !configured.isEmpty {
            if !trusting {
                if let known = remembered ?? nil, known != configured {
                    throw CommandFailure.usage("its key was used for \(known) before, not \(configured): a key reads one organization (check the file's id and key)")
                }
                return configured
            }
            organization = configured
        } else if let known = remembered ?? nil {
            organization = known
        } else {
            organization = try probe(configuration, now: now)
        }
        if organization == OrganizationProbe.fallback {
            try registry.remember(fingerprint, organization: nil)
            Logging.logger.notice("the API named no organization (no costs in the last \(OrganizationProbe.days) days); rows are filed under '\(organization)' until it does. Set OPENAI_ORGANIZATION to name it.")
            return organization
        }
        if remembered != .some(organization) {
            if let adoption = try registry.adopt(placeholderRowsOf: fingerprint, as: organization) {
                if adoption.moved + adoption.merged > 0 {
                    Logging.logger.notice("rows filed under '\(OrganizationProbe.fallback)' now filed under \(organization): \(adoption.moved) streams moved, \(adoption.merged) merged into the streams \(organization) already had")
                }
            } else {
                Logging.logger.warning("rows filed under '\(OrganizationProbe.fallback)' are left there: more than one admin key loaded without knowing its organization")
            }
            try registry.remember(fingerprint, organization: organization)
        }
        return organization
    }

    private func probe(_ configuration: APIConfiguration, now: Int64) throws -> String {
        let client = UsageAPIClient(configuration: configuration, limiter: RateLimiter(requestsPerMinute: configuration.requestsPerMinute))
        do {
            return try OrganizationProbe(client: client).organization(now: now)
        } catch let error as APIError {
            if case .unauthorized = error { throw CommandFailure.usage(error.description) }
            throw CommandFailure.failed("cannot tell which organization the key belongs to (\(skipHint)): \(error)")
        } catch {
            throw CommandFailure.failed("cannot tell which organization the key belongs to (\(skipHint)): \(error)")
        }
    }

    /// How to skip the organization request: the variable, or the organizations file's `id`.
    private var skipHint: String {
        organizationsFile.path == nil ? "set OPENAI_ORGANIZATION to skip this request" : "give the entry's id in the organizations file to skip this request"
    }
}
