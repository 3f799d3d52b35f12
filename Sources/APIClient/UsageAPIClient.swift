import Curl
import Foundation
import Bodies
import JSON
import UsageAPI

/// A page as fetched: the request (path and query, never headers), the body as the archive keeps
/// it (compressed while it arrived; the raw page is never held whole), and its summary.
public struct FetchedPage: Sendable {
    public var requestQuery: String
    public var status: Int
    public var body: CompressedBody
    public var summary: PageSummary
    public var retries: Int
}

/// Fetches usage and costs pages with retries, backoff and the shared rate cap.
/// Not `Sendable`: it owns one libcurl handle; each worker has its own client.
public final class UsageAPIClient {
    public let configuration: APIConfiguration
    private let http: HTTPClient
    private let limiter: RateLimiter
    private let sleep: @Sendable (Double) -> Void
    /// True once the run is asked to stop: waits for the rate cap and backoffs end early, and the
    /// request is not sent (`CancellationError`).
    private let shouldStop: @Sendable () -> Bool
    /// Where requests in flight and waits are counted (the progress line).
    private let activity: RequestActivity?

    public init(configuration: APIConfiguration, limiter: RateLimiter, shouldStop: @escaping @Sendable () -> Bool = { false },
                activity: RequestActivity? = nil, sleep: (@Sendable (Double) -> Void)? = nil) {
        self.configuration = configuration
        self.http = HTTPClient(configuration: configuration.http)
        self.limiter = limiter
        self.shouldStop = shouldStop
        self.activity = activity
        self.sleep = sleep ?? { _ = RateLimiter.sleep($0, unless: shouldStop) }
    }

    /// The path and query string of a page request.
    /// `limit` is the endpoint's cap for the width (fewest requests), or `pageLimit` when smaller.
    public static func requestQuery(_ spec: StreamSpec, window: TimeRange, cursor: String?, pageLimit: Int? = nil) -> String {
        var items: [(String, String)] = [("start_time", String(window.start)), ("end_time", String(window.end))]
        items += spec.queryItems
        let cap = spec.endpoint.maxLimit(for: spec.width)
        items.append(("limit", String(min(cap, max(1, pageLimit ?? cap)))))
        if let cursor { items.append(("page", cursor)) }
        let query = PercentEncoding.query(items)
        return spec.endpoint.path + "?" + query
    }

    /// Fetches one page, compressing it as it arrives, and checks that it decodes completely,
    /// retrying transient failures.
    public func fetch(_ spec: StreamSpec, window: TimeRange, cursor: String?) throws -> FetchedPage {
        let pathAndQuery = Self.requestQuery(spec, window: window, cursor: cursor, pageLimit: configuration.pageLimit)
        let decoder = PageDecoder(endpoint: spec.endpoint)
        let ((body, summary), retries) = try get(pathAndQuery, archiving: true) { received in
            let body = try received.finish()
            return (body, try decoder.summarize(streaming: body.stream(verify: false)))
        }
        return FetchedPage(requestQuery: pathAndQuery, status: 200, body: body, summary: summary, retries: retries)
    }

    /// Fetches one page of an admin list endpoint (`after`: the last id of the previous page).
    public func fetch(_ list: DirectoryList, after: String?, limit: Int = DirectoryList.maxPageSize) throws -> DirectoryPage {
        let query = PercentEncoding.query(list.queryItems(after: after, limit: limit))
        return try get(list.path + "?" + query, archiving: false) { try DirectoryPage(decoding: $0.head, list: list) }.value
    }

    /// GETs `pathAndQuery` and decodes a 200 answer, retrying what may pass: 429 and 5xx (after
    /// their Retry-After), transport failures, and bodies `decode` rejects with a `DecodeError`.
    /// 401/403 and other 4xx answers are final.
    /// `archiving` compresses the body as it arrives (pages); otherwise it is kept whole (small answers).
    private func get<T>(_ pathAndQuery: String, archiving: Bool, decode: (ReceivedBody) throws -> T) throws -> (value: T, retries: Int) {
        let url = configuration.baseURL + pathAndQuery
        var headers = [("Authorization", "Bearer " + configuration.adminKey)]
        if let organization = configuration.organizationHeader { headers.append(("OpenAI-Organization", organization)) }
        if let project = configuration.projectHeader { headers.append(("OpenAI-Project", project)) }
        var lastFailure = ""
        var lastDecodeError: DecodeError? = nil // when the last attempt's body was the failure
        let policy = configuration.retryPolicy
        for attempt in 1...policy.maxAttempts {
            let capWait = limiter.wait > 0
            if capWait { activity?.beginCapWait() }
            let admitted = limiter.acquire(shouldStop: shouldStop)
            if capWait { activity?.endCapWait() }
            guard admitted, !shouldStop() else { throw CancellationError() }
            var retryAfter: Double? = nil
            lastDecodeError = nil
            do {
                let received = try ReceivedBody(archiving: archiving)
                activity?.beginRequest()
                defer { activity?.endRequest() }
                let response = try http.get(url, headers: headers) { try received.append($0) }
                let body = received.head
                switch RetryPolicy.verdict(status: response.status) {
                case .success:
                    do {
                        return (try decode(received), attempt - 1)
                    } catch let error as DecodeError {
                        lastFailure = error.description // damaged bodies are retried; a persistent one fails
                        lastDecodeError = error
                    }
                case .unauthorized:
                    throw APIError.unauthorized(status: response.status, message: Self.errorMessage(body))
                case .transient:
                    lastFailure = "HTTP \(response.status): \(Self.errorMessage(body))"
                    retryAfter = Self.retryAfter(response)
                case .rejected:
                    let (message, code, param) = Self.errorFields(body)
                    throw APIError.rejected(status: response.status, message: message, code: code, param: param)
                }
            } catch let error as CurlError where error.isTransient {
                lastFailure = error.description
            }
            if policy.allowsAnother(after: attempt) {
                let delay = policy.delay(after: attempt, retryAfter: retryAfter, jitter: Double.random(in: 0..<1))
                if retryAfter != nil { activity?.retryAfter(delay) }
                sleep(delay)
            }
        }
        if var persistent = lastDecodeError {
            // The body itself is the problem: the error says where in it, for the window's record.
            persistent.context = [persistent.context, "\(policy.maxAttempts) attempts"].filter { !$0.isEmpty }.joined(separator: ", ")
            throw persistent
        }
        throw APIError.retriesExhausted(attempts: policy.maxAttempts, lastFailure: lastFailure)
    }

    /// The longest a Retry-After is obeyed: a server asking for more (or for nonsense: `inf`, `nan`)
    /// gets this, so one header never stalls a run.
    public static let retryAfterLimit: Double = 300

    public static func retryAfter(_ response: HTTPResponse) -> Double? {
        let asked: Double?
        if let ms = response.header("retry-after-ms").flatMap(Double.init), ms.isFinite { asked = ms / 1000 }
        else if let seconds = response.header("retry-after").flatMap(Double.init), seconds.isFinite { asked = seconds }
        else { asked = nil }
        return asked.map { min(max($0, 0), retryAfterLimit) }
    }

    /// The message, code and param of an API error body; a body that is not the API's error
    /// object gives its first 200 bytes as the message.
    public static func errorFields(_ body: [UInt8]) -> (message: String, code: String?, param: String?) {
        guard let document = try? JSONParser.parse(body), let error = document["error"], case .object = error else {
            return (String(decoding: body.prefix(200), as: UTF8.self), nil, nil)
        }
        return (error.string("message") ?? "(no message)", error.string("code"), error.string("param"))
    }

    static func errorMessage(_ body: [UInt8]) -> String { errorFields(body).0 }

}

/// A response body as it arrives: kept whole, or (pages to archive) compressed and hashed on the
/// fly with only its first bytes kept for error messages.
final class ReceivedBody {
    /// The whole body, or its first `headLimit` bytes when archiving.
    private(set) var head: [UInt8] = []
    private let writer: CompressedBodyWriter?
    static let headLimit = 64 * 1024

    /// `finish()` on a body received without archiving: a mistake in the caller.
    struct NotArchived: Error, CustomStringConvertible {
        var description: String { "internal error: finish() on a response body that was not compressed" }
    }

    init(archiving: Bool) throws {
        writer = archiving ? try CompressedBodyWriter() : nil
    }

    func append(_ bytes: UnsafeRawBufferPointer) throws {
        guard let writer else { head.append(contentsOf: bytes); return }
        if head.count < Self.headLimit { head.append(contentsOf: bytes.prefix(Self.headLimit - head.count)) }
        try writer.append(bytes)
    }

    /// The archived form of the body; only when archiving, once.
    func finish() throws -> CompressedBody {
        guard let writer else { throw NotArchived() }
        return try writer.finish()
    }
}
