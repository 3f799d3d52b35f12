/// The rows a statement returned, copied out of libpq into Swift values (text format).
public struct QueryResult: Sendable {
    public let columns: [String]
    public let rows: [[String?]]
    /// Rows affected by INSERT/UPDATE/DELETE/COPY, from the command tag.
    public let affectedRows: Int

    public var count: Int { rows.count }

    public subscript(row: Int, column: String) -> String? {
        guard let index = columns.firstIndex(of: column) else { return nil }
        return rows[row][index]
    }

    /// The first column of the first row, e.g. for `SELECT count(*)`.
    public var scalar: String? { rows.first?.first ?? nil }

    public func int64(_ row: Int, _ column: String) -> Int64? { self[row, column].flatMap { Int64($0) } }

    public func int(_ row: Int, _ column: String) -> Int? { self[row, column].flatMap { Int($0) } }

    public func bool(_ row: Int, _ column: String) -> Bool? { self[row, column].map { $0 == "t" } }

    /// Decodes a `bytea` column, which libpq returns as `\x` hex text.
    public func bytes(_ row: Int, _ column: String) -> [UInt8]? {
        guard let text = self[row, column] else { return nil }
        return ByteaHex.decode(text)
    }
}

enum ByteaHex {
    static func decode(_ text: String) -> [UInt8]? {
        var utf8 = Array(text.utf8)
        guard utf8.count >= 2, utf8[0] == UInt8(ascii: "\\"), utf8[1] == UInt8(ascii: "x") else { return nil }
        utf8.removeFirst(2)
        guard utf8.count % 2 == 0 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(utf8.count / 2)
        var i = 0
        while i < utf8.count {
            guard let hi = nibble(utf8[i]), let lo = nibble(utf8[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
