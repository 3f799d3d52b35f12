import CLibCurl
import Foundation

/// Settings for `HTTPClient`. TLS certificate verification is always on; `caFile` only adds trust.
public struct HTTPClientConfiguration: Sendable {
    public var connectTimeout: Double = 10
    public var totalTimeout: Double = 120
    /// A PEM bundle to trust instead of the system's, e.g. for a corporate TLS proxy.
    public var caFile: String?
    public var userAgent: String = "usage-etl/0.1"

    public init(connectTimeout: Double = 10, totalTimeout: Double = 120, caFile: String? = nil) {
        self.connectTimeout = connectTimeout
        self.totalTimeout = totalTimeout
        self.caFile = caFile
    }
}

/// Initialises libcurl once per process. Call it early in `main`, before other threads start.
public enum CurlGlobal {
    private static let initialised: Bool = {
        curl_global_init(Int(CURL_GLOBAL_ALL)) == CURLE_OK
    }()

    @discardableResult
    public static func initialise() -> Bool { initialised }
}

/// A blocking HTTP GET client over one libcurl easy handle, reused so connections stay open.
/// Not `Sendable`: an easy handle must never be used from two threads; each worker owns one.
public final class HTTPClient {
    private let handle: UnsafeMutableRawPointer
    private let configuration: HTTPClientConfiguration

    public init(configuration: HTTPClientConfiguration = HTTPClientConfiguration()) {
        CurlGlobal.initialise()
        guard let easy = curl_easy_init() else { fatalError("libcurl could not allocate an easy handle") }
        handle = easy
        self.configuration = configuration
    }

    deinit { curl_easy_cleanup(handle) }

    /// Performs a GET. Any HTTP status is a response; only transport failures throw.
    public func get(_ url: String, headers: [(String, String)] = []) throws -> HTTPResponse {
        try perform(url, headers: headers, sink: ResponseSink())
    }

    /// Performs a GET, passing the body to `receive` piece by piece as it arrives instead of
    /// collecting it (the response's `body` is then empty). An error `receive` throws aborts the
    /// transfer and is rethrown.
    public func get(_ url: String, headers: [(String, String)] = [],
                    receive: (UnsafeRawBufferPointer) throws -> Void) throws -> HTTPResponse {
        try withoutActuallyEscaping(receive) { receive in
            let sink = ResponseSink()
            sink.receive = receive
            defer { sink.receive = nil }
            return try perform(url, headers: headers, sink: sink)
        }
    }

    private func perform(_ url: String, headers: [(String, String)], sink: ResponseSink) throws -> HTTPResponse {
        curl_easy_reset(handle)
        var list: UnsafeMutablePointer<curl_slist>? = nil
        for (name, value) in headers { list = curl_slist_append(list, "\(name): \(value)") }
        list = curl_slist_append(list, "Accept: application/json")
        defer { curl_slist_free_all(list) }

        var setupError: CURLcode = CURLE_OK
        func set(_ code: CURLcode) { if setupError == CURLE_OK { setupError = code } }
        set(usage_etl_curl_setopt_string(handle, CURLOPT_URL, url))
        set(usage_etl_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1))
        set(usage_etl_curl_setopt_long(handle, CURLOPT_HTTPGET, 1))
        set(usage_etl_curl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0))
        set(usage_etl_curl_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 1))
        set(usage_etl_curl_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 2))
        set(usage_etl_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Int(configuration.connectTimeout * 1000)))
        set(usage_etl_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, Int(configuration.totalTimeout * 1000)))
        set(usage_etl_curl_setopt_string(handle, CURLOPT_ACCEPT_ENCODING, "")) // every encoding libcurl decodes
        set(usage_etl_curl_setopt_string(handle, CURLOPT_USERAGENT, configuration.userAgent))
        if let caFile = configuration.caFile { set(usage_etl_curl_setopt_string(handle, CURLOPT_CAINFO, caFile)) }
        set(usage_etl_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, list))
        set(usage_etl_curl_setopt_callback(handle, CURLOPT_WRITEFUNCTION, { pointer, size, count, context in
            let sink = Unmanaged<ResponseSink>.fromOpaque(context!).takeUnretainedValue()
            let length = size * count
            guard length > 0, let pointer else { return length }
            let bytes = UnsafeRawBufferPointer(start: pointer, count: length)
            guard let receive = sink.receive else {
                sink.body.append(contentsOf: bytes)
                return length
            }
            do { try receive(bytes) } catch {
                sink.receiveError = error
                return 0 // makes libcurl stop with CURLE_WRITE_ERROR
            }
            return length
        }))
        set(usage_etl_curl_setopt_callback(handle, CURLOPT_HEADERFUNCTION, { pointer, size, count, context in
            let sink = Unmanaged<ResponseSink>.fromOpaque(context!).takeUnretainedValue()
            let length = size * count
            if length > 0, let pointer {
                // Header data is not NUL-terminated.
                let bytes = UnsafeRawBufferPointer(start: pointer, count: length)
                sink.addHeaderLine(String(decoding: bytes, as: UTF8.self))
            }
            return length
        }))
        let context = Unmanaged.passUnretained(sink).toOpaque()
        set(usage_etl_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, context))
        set(usage_etl_curl_setopt_pointer(handle, CURLOPT_HEADERDATA, context))
        guard setupError == CURLE_OK else { throw error(for: setupError, url: url) }

        let code = withExtendedLifetime(sink) { curl_easy_perform(handle) }
        if let receiveError = sink.receiveError { throw receiveError }
        guard code == CURLE_OK else { throw error(for: code, url: url) }
        var status = 0
        _ = usage_etl_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return HTTPResponse(status: status, headers: sink.headers, body: sink.body)
    }

    private func error(for code: CURLcode, url: String) -> CurlError {
        let kind: CurlError.Kind
        switch code {
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY: kind = .dns
        case CURLE_COULDNT_CONNECT: kind = .connect
        case CURLE_OPERATION_TIMEDOUT: kind = .timeout
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM,
             CURLE_SSL_CIPHER, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR:
            kind = .tls
        case CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_GOT_NOTHING: kind = .reset
        case CURLE_PARTIAL_FILE, CURLE_BAD_CONTENT_ENCODING: kind = .truncated
        default: kind = .other
        }
        let message = String(cString: curl_easy_strerror(code))
        let safeURL = url.split(separator: "?", maxSplits: 1).first.map(String.init) ?? url
        return CurlError(kind: kind, code: Int(code.rawValue), message: message, url: safeURL)
    }
}

/// Collects one response's bytes and headers during `curl_easy_perform`.
private final class ResponseSink {
    var body: [UInt8] = []
    /// Where body bytes go instead of `body`, when streaming.
    var receive: ((UnsafeRawBufferPointer) throws -> Void)?
    var receiveError: Error?
    var headers: [String: String] = [:]

    func addHeaderLine(_ line: String) {
        if line.hasPrefix("HTTP/") { headers.removeAll() } // a new response (e.g. after 100 Continue)
        guard let colon = line.firstIndex(of: ":") else { return }
        let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
        let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
        headers[name] = value
    }
}
