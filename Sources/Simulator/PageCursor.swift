import Foundation

/// The opaque `next_page` cursor of usage and costs pages: where the next page starts, when the
/// cursor was issued (for `cursor_ttl`), and a fingerprint of the request's other parameters, so
/// that a cursor sent with other parameters is refused.
struct PageCursor: Equatable {
    /// The start of the first bucket of the page it continues with.
    var start: Int64
    /// When it was issued, Unix seconds.
    var issuedAt: Int64

    init(start: Int64, issuedAt: Int64) {
        self.start = start
        self.issuedAt = issuedAt
    }

    /// The cursor named by `text`, if it is one issued for a request with `query`'s parameters.
    init?(_ text: String, query: [(String, String)]) {
        guard text.hasPrefix("page_") else { return nil }
        var base = String(text.dropFirst(5)).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base.count % 4 != 0 { base += "=" }
        guard let data = Data(base64Encoded: base), let decoded = String(data: data, encoding: .utf8) else { return nil }
        let parts = decoded.split(separator: ":")
        guard parts.count == 4, parts[0] == "v1", let start = Int64(parts[1]), let issued = Int64(parts[2]),
              UInt64(parts[3]) == Self.fingerprint(query) else { return nil }
        self.init(start: start, issuedAt: issued)
    }

    /// The cursor's text, bound to `query` (the parameters of the request it answers).
    func text(query: [(String, String)]) -> String {
        let text = "v1:\(start):\(issuedAt):\(Self.fingerprint(query))"
        return "page_" + Data(text.utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// A hash of the parameters a continued request must repeat: all but `page` and `limit`,
    /// `key[]` counted as `key`, in any order.
    private static func fingerprint(_ query: [(String, String)]) -> UInt64 {
        let relevant = query.filter { $0.0 != "page" && $0.0 != "limit" }
            .map { "\($0.0.replacingOccurrences(of: "[]", with: ""))=\($0.1)" }.sorted().joined(separator: "&")
        return Mix.string(relevant) & 0xFFFF_FFFF_FFFF
    }
}
