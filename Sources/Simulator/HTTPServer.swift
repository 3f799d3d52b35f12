import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A parsed HTTP/1.1 request line and headers (the simulator serves GET and POST without bodies).
public struct HTTPRequest: Sendable {
    public var method: String
    public var path: String
    /// Query parameters in order, percent-decoded.
    public var query: [(String, String)]
    /// Header names lowercased.
    public var headers: [String: String]

    public init(method: String, path: String, query: [(String, String)], headers: [String: String]) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
    }
}

/// What to send back, including the wire-level faults the simulator can inject.
public struct HTTPReply: Sendable {
    public enum WireFault: Sendable {
        /// Send the headers and part of the body, then reset the connection.
        case resetMidBody
        /// Announce the full Content-Length but close after part of the body.
        case truncateBody
    }

    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]
    public var delayMilliseconds: Int = 0
    public var fault: WireFault?
    /// The body breaks the published schema on purpose (an injected fault or a live quirk).
    public var deviatesFromSchema = false

    public init(status: Int, headers: [(String, String)] = [], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// A small blocking HTTP/1.1 server on loopback: one thread per connection, keep-alive, and
/// byte-level control of the reply so faults (resets, truncation) are real on the wire.
public final class HTTPServer: Sendable {
    public let port: Int
    private let listener: Int32
    private let handler: @Sendable (HTTPRequest) -> HTTPReply
    private let connections = Mutex<Set<Int32>>([])
    private let stopped = Atomic<Bool>(false)

    /// Binds 127.0.0.1:`port` (0 picks a free port).
    public init(port: Int = 0, handler: @escaping @Sendable (HTTPRequest) -> HTTPReply) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SimulatorError.socket("socket: \(String(cString: strerror(errno)))") }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 128) == 0 else {
            let message = String(cString: strerror(errno))
            close(fd)
            throw SimulatorError.socket("cannot listen on 127.0.0.1:\(port): \(message)")
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.port = Int(UInt16(bigEndian: actual.sin_port))
        self.listener = fd
        self.handler = handler
        let server = self
        Thread.detachNewThread { server.acceptLoop() }
    }

    /// Stops accepting and closes every open connection.
    public func stop() {
        guard !stopped.exchange(true, ordering: .sequentiallyConsistent) else { return }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        connections.withLock { fds in
            for fd in fds { shutdown(fd, Int32(SHUT_RDWR)) }
        }
    }

    private func acceptLoop() {
        while !stopped.load(ordering: .sequentiallyConsistent) {
            let fd = accept(listener, nil, nil)
            if fd < 0 {
                if errno == EINTR { continue }
                return
            }
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            connections.withLock { _ = $0.insert(fd) }
            let server = self
            Thread.detachNewThread { server.serve(fd) }
        }
    }

    private func serve(_ fd: Int32) {
        defer {
            connections.withLock { _ = $0.remove(fd) }
            close(fd)
        }
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 8192)
        while !stopped.load(ordering: .sequentiallyConsistent) {
            // Read until the end of the headers.
            var headerEnd: Int? = nil
            while headerEnd == nil {
                headerEnd = Self.findHeaderEnd(buffer)
                if headerEnd != nil { break }
                let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, 8192) }
                if n <= 0 { return }
                buffer.append(contentsOf: chunk[0..<n])
                if buffer.count > 1 << 20 { return }
            }
            let head = String(decoding: buffer[0..<headerEnd!], as: UTF8.self)
            buffer.removeSubrange(0..<(headerEnd! + 4))
            guard let request = Self.parse(head) else { return }
            if let length = request.headers["content-length"].flatMap(Int.init), length > 0 {
                while buffer.count < length {
                    let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, 8192) }
                    if n <= 0 { return }
                    buffer.append(contentsOf: chunk[0..<n])
                }
                buffer.removeSubrange(0..<length)
            }
            let reply = handler(request)
            if reply.delayMilliseconds > 0 { usleep(UInt32(reply.delayMilliseconds) * 1000) }
            guard write(fd, reply: reply) else { return }
            if request.headers["connection"]?.lowercased() == "close" { return }
        }
    }

    private func write(_ fd: Int32, reply: HTTPReply) -> Bool {
        var head = "HTTP/1.1 \(reply.status) \(Self.reason(reply.status))\r\n"
        head += "Content-Length: \(reply.body.count)\r\n"
        for (name, value) in reply.headers { head += "\(name): \(value)\r\n" }
        head += "\r\n"
        guard sendAll(fd, Array(head.utf8)[...]) else { return false }
        switch reply.fault {
        case nil:
            return sendAll(fd, reply.body[...])
        case .truncateBody:
            _ = sendAll(fd, reply.body[0..<(reply.body.count / 2)])
            shutdown(fd, Int32(SHUT_WR))
            return false
        case .resetMidBody:
            _ = sendAll(fd, reply.body[0..<(reply.body.count / 3)])
            var linger = Glibc.linger(l_onoff: 1, l_linger: 0) // close with RST
            setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
            return false
        }
    }

    private func sendAll(_ fd: Int32, _ bytes: ArraySlice<UInt8>) -> Bool {
        var offset = bytes.startIndex
        while offset < bytes.endIndex {
            let n = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return false }
            offset += n
        }
        return true
    }

    static func findHeaderEnd(_ buffer: [UInt8]) -> Int? {
        guard buffer.count >= 4 else { return nil }
        for i in 0...(buffer.count - 4) where buffer[i] == 13 && buffer[i + 1] == 10 && buffer[i + 2] == 13 && buffer[i + 3] == 10 {
            return i
        }
        return nil
    }

    static func parse(_ head: String) -> HTTPRequest? {
        let lines = head.components(separatedBy: "\r\n")
        let parts = lines[0].split(separator: " ")
        guard parts.count >= 2 else { return nil }
        let target = String(parts[1])
        let pieces = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        var query: [(String, String)] = []
        if pieces.count == 2 {
            for pair in pieces[1].split(separator: "&") where !pair.isEmpty {
                let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                query.append((decode(kv[0]), kv.count > 1 ? decode(kv[1]) : ""))
            }
        }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return HTTPRequest(method: String(parts[0]), path: decode(pieces[0]), query: query, headers: headers)
    }

    static func decode(_ text: Substring) -> String {
        let replaced = text.replacingOccurrences(of: "+", with: " ")
        return replaced.removingPercentEncoding ?? replaced
    }

    static func reason(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        default: "Status"
        }
    }
}

/// A failure of the simulator itself (not an API error it serves).
public enum SimulatorError: Error, CustomStringConvertible {
    case socket(String)

    public var description: String {
        switch self {
        case .socket(let message): "simulator: \(message)"
        }
    }
}
