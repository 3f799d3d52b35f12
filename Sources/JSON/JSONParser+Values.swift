// The recursive-descent half of `JSONParser`: values, strings (escapes, surrogates) and numbers;
// and the fast paths a walker takes for the small values it reads most.

extension JSONParser {
    mutating func parseValue() throws -> JSONValue {
        guard index < bytes.count else { throw fail("unexpected end of input") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expect("true"); return .bool(true)
        case UInt8(ascii: "f"): try expect("false"); return .bool(false)
        case UInt8(ascii: "n"): try expect("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw fail("unexpected character")
        }
    }

    mutating func expect(_ word: StaticString) throws {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw fail("unexpected end of input", truncated: true) }
        let matches = word.withUTF8Buffer { literal in
            (0..<count).allSatisfy { bytes[index + $0] == literal[$0] }
        }
        guard matches else { throw fail("invalid literal") }
        index += count
    }

    mutating func parseObject() throws -> JSONValue {
        depth += 1
        guard depth < 512 else { throw fail("nesting too deep") }
        defer { depth -= 1 }
        index += 1
        var fields: [String: JSONValue] = [:]
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return .object(fields) }
        while true {
            skipWhitespace()
            let key = try parseKey()
            fields[key] = try parseValue()
            skipWhitespace()
            guard index < bytes.count else { throw fail("unexpected end of input in object") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "}") { index += 1; return .object(fields) }
            throw fail("expected ',' or '}'")
        }
    }

    mutating func parseArray() throws -> JSONValue {
        depth += 1
        guard depth < 512 else { throw fail("nesting too deep") }
        defer { depth -= 1 }
        index += 1
        var items: [JSONValue] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return .array(items) }
        while true {
            skipWhitespace()
            items.append(try parseValue())
            skipWhitespace()
            guard index < bytes.count else { throw fail("unexpected end of input in array") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "]") { index += 1; return .array(items) }
            throw fail("expected ',' or ']'")
        }
    }

    mutating func parseNumber() throws -> String {
        let start = index
        try scanNumber()
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    /// Passes over the number that starts here, checking its grammar. When streaming, a number
    /// that reaches the end of the buffer may go on in bytes not yet read: that is a value longer
    /// than the read-ahead, never a shorter number.
    mutating func scanNumber() throws {
        try scanNumberGrammar()
        if source != nil && index >= bytes.count { throw fail("number at the end of the buffered input") }
    }

    mutating func scanNumberGrammar() throws {
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        func digits() -> Int {
            let from = index
            while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 { index += 1 }
            return index - from
        }
        guard index < bytes.count else { throw fail("truncated number") }
        if bytes[index] == UInt8(ascii: "0") { index += 1 } else if digits() == 0 { throw fail("invalid number") }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { throw fail("invalid number fraction") }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { throw fail("invalid number exponent") }
        }
    }

    mutating func parseString() throws -> String {
        index += 1
        let start = index
        // Fast path: no escapes.
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let text = String(decoding: bytes[start..<index], as: UTF8.self)
                index += 1
                return text
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw fail("control character in string") }
            index += 1
        }
        var out = Array(bytes[start..<index])
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return String(decoding: out, as: UTF8.self)
            }
            if byte < 0x20 { throw fail("control character in string") }
            if byte != UInt8(ascii: "\\") { out.append(byte); index += 1; continue }
            index += 1
            guard index < bytes.count else { break }
            let escape = bytes[index]
            index += 1
            switch escape {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                appendUTF8(of: try unicodeEscape(), to: &out)
            default: throw fail("invalid escape")
            }
        }
        throw fail("unterminated string")
    }

    /// The character of a `\\u` escape (positioned after the `u`): a surrogate pair written as two
    /// escapes is one character; a surrogate without its partner (a high one not followed by a low
    /// one, or a low one alone) is U+FFFD, as Foundation and most parsers read it. When a high
    /// surrogate is followed by an escape that is not a low surrogate, that escape is left to be
    /// read on its own.
    mutating func unicodeEscape() throws -> Unicode.Scalar {
        let first = try hex4()
        if first >= 0xD800 && first < 0xDC00, index + 5 < bytes.count,
           bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") {
            let resume = index
            index += 2
            let second = try hex4()
            if second >= 0xDC00 && second < 0xE000 {
                // Both operands are in range: 0x10000 + 0x3FF * 0x400 + 0x3FF fits easily.
                return Unicode.Scalar(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)) ?? Self.replacement
            }
            index = resume
        }
        return Unicode.Scalar(first) ?? Self.replacement
    }

    static let replacement: Unicode.Scalar = "\u{FFFD}"

    func appendUTF8(of scalar: Unicode.Scalar, to out: inout [UInt8]) {
        UTF8.encode(scalar) { out.append($0) }
    }

    mutating func hex4() throws -> UInt32 {
        guard index + 4 <= bytes.count else { throw fail("truncated \\u escape", truncated: true) }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[index]
            index += 1
            value <<= 4
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value |= UInt32(c - 0x30)
            case UInt8(ascii: "a")...UInt8(ascii: "f"): value |= UInt32(c - 0x57)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): value |= UInt32(c - 0x37)
            default: throw fail("invalid \\u escape")
            }
        }
        return value
    }
}

// MARK: - Fast paths for walkers reading many small values

extension JSONParser {
    /// The integer that starts here, when it is written as a plain integer of at most 18 digits
    /// (so it fits 64 bits); the parser then stands past it. Anything else (a fraction, an
    /// exponent, a string, a longer integer, invalid JSON) returns nil and moves nothing: the
    /// caller reads the value the general way, which names what is wrong.
    public mutating func plainInteger() -> Int64? {
        var end = index
        let negative = end < bytes.count && bytes[end] == UInt8(ascii: "-")
        if negative { end += 1 }
        let digitsStart = end
        var magnitude: Int64 = 0
        while end < bytes.count, bytes[end] >= 0x30, bytes[end] <= 0x39, end - digitsStart < 19 {
            magnitude = magnitude &* 10 &+ Int64(bytes[end] &- 0x30) // at most 18 digits: no overflow
            end += 1
        }
        let digits = end - digitsStart
        // A leading zero is valid only alone; a number running to the end of the buffered bytes
        // may go on in bytes not read yet.
        guard digits > 0, digits <= 18, bytes[digitsStart] != 0x30 || digits == 1, end < bytes.count else { return nil }
        switch bytes[end] {
        case UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"), 0x30...0x39: return nil
        default: break
        }
        index = end
        skipWhitespace()
        return negative ? -magnitude : magnitude
    }

    /// The string that starts here when it is written without escapes (so it holds no quote,
    /// backslash or control character); the parser then stands past it. Otherwise (an escape, not
    /// a string, a string running past the buffered bytes) nil, and nothing moved.
    public mutating func plainString() -> String? {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return nil }
        var end = index + 1
        while end < bytes.count, bytes[end] != UInt8(ascii: "\""), bytes[end] != UInt8(ascii: "\\"), bytes[end] >= 0x20 { end += 1 }
        guard end < bytes.count, bytes[end] == UInt8(ascii: "\"") else { return nil }
        let text = String(decoding: bytes[(index + 1)..<end], as: UTF8.self)
        index = end + 1
        skipWhitespace()
        return text
    }

    /// Passes over the string that starts here when its bytes, written without escapes, are
    /// exactly `text`'s, and says so; otherwise moves nothing and returns false. For walkers that
    /// meet the same values again and again: the earlier String is reused, no new one is built.
    /// `text` must hold no quote, backslash or control character (see `isReusable`).
    public mutating func skipString(equalTo text: String) -> Bool {
        var text = text
        let matched = text.withUTF8 { utf8 -> Bool in
            let end = index + 1 + utf8.count
            guard end < bytes.count, bytes[index] == UInt8(ascii: "\""), bytes[end] == UInt8(ascii: "\"") else { return false }
            return bytes.withUnsafeBufferPointer { all in
                guard let a = all.baseAddress, let b = utf8.baseAddress else { return utf8.isEmpty }
                return equalBytes(a + index + 1, b, utf8.count)
            }
        }
        guard matched else { return false }
        index += text.utf8.count + 2
        skipWhitespace()
        return true
    }

    /// Whether `text` can be matched by `skipString(equalTo:)`: its JSON form has no escape.
    public static func isReusable(_ text: String) -> Bool {
        !text.utf8.contains { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") || $0 < 0x20 }
    }
}
