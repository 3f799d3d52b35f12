#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A parsed JSON value. Numbers keep their exact source text, so no amount passes through `Double`.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// The number's text exactly as written in the document.
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public subscript(key: String) -> JSONValue? {
        if case .object(let fields) = self { return fields[key] }
        return nil
    }

    /// The string at `key`, or nil when absent, null or not a string.
    public func string(_ key: String) -> String? {
        if case .string(let text)? = self[key] { return text }
        return nil
    }

    /// The integer at `key` (Unix seconds and counts), or nil when absent, null or not an integer.
    public func integer(_ key: String) -> Int64? {
        if case .number(let text)? = self[key] { return Int64(text) }
        return nil
    }

    /// A short name of the JSON type, for error messages.
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}

/// Where and why a document is not valid JSON.
public struct JSONSyntaxError: Error, CustomStringConvertible, Sendable {
    public var offset: Int
    public var reason: String
    public var description: String { "invalid JSON at byte \(offset): \(reason)" }
}

/// A strict RFC 8259 parser over UTF-8 bytes: whole documents at once (`parse`), or walked one
/// member at a time, from memory or streamed from a source in chunks.
public struct JSONParser {
    private var bytes: [UInt8]
    private var index = 0
    /// The document offset of `bytes[0]`: when streaming, consumed bytes are dropped.
    private var base = 0
    /// Appends more of a streamed document to the buffer and returns false at its end; nil once
    /// the whole rest of the document is in `bytes`.
    private var source: ((inout [UInt8]) throws -> Bool)?
    /// When streaming, each member of a walked container starts with at least this much of the
    /// document buffered (or all of it): a single scalar or built value must fit.
    public static let defaultReadAhead = 256 * 1024
    private var readAhead = JSONParser.defaultReadAhead
    private var depth = 0
    /// For walking: whether the innermost open container has had no member yet.
    private var firstMember: [Bool] = []

    public static func parse(_ bytes: [UInt8]) throws -> JSONValue {
        var parser = JSONParser(bytes: bytes)
        parser.skipWhitespace()
        let value = try parser.parseValue()
        parser.skipWhitespace()
        guard parser.index == bytes.count else { throw parser.fail("unexpected data after the document") }
        return value
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    // MARK: - Walking a document without building it

    /// A parser positioned at the start of `bytes`, for walking the document one member at a
    /// time (`beginObject`/`nextKey`, `beginArray`/`nextElement`, `value`, `skipValue`, `end`), so
    /// a large page never exists as a tree.
    public init(walking bytes: [UInt8]) {
        self.bytes = bytes
        skipWhitespace()
    }

    /// A parser that walks a document read from `source` in chunks (`source` appends bytes to
    /// the buffer it is given and returns false at the end), holding only a bounded part of it.
    init(streaming source: @escaping (inout [UInt8]) throws -> Bool, readAhead: Int = JSONParser.defaultReadAhead) throws {
        self.bytes = []
        self.source = source
        self.readAhead = max(1, readAhead)
        try refill()
        skipWhitespace()
    }

    /// Drops consumed bytes and reads until `2 * readAhead` bytes are buffered or the source ends.
    private mutating func refill() throws {
        guard let read = source else { return }
        if index > 0 {
            bytes.removeSubrange(0..<index)
            base += index
            index = 0
        }
        while bytes.count < 2 * readAhead {
            if try !read(&bytes) { source = nil; return }
        }
    }

    /// Makes sure the read-ahead is buffered before the next member.
    private mutating func ensureReadAhead() throws {
        if source != nil && bytes.count - index < readAhead { try refill() }
    }

    /// How far into the document the parser is, in bytes.
    public var offset: Int { base + index }

    /// The first byte of the next value: `{`, `[`, `"`, a digit… (nil at the end of input).
    public var nextByte: UInt8? { index < bytes.count ? bytes[index] : nil }

    /// Enters the object that starts here.
    public mutating func beginObject() throws { try enter(UInt8(ascii: "{")) }

    /// The next key of the object being walked (positioned at its value), or nil at its end.
    public mutating func nextKey() throws -> String? {
        guard try advance(closing: UInt8(ascii: "}"), in: "object") else { return nil }
        return try parseKey()
    }

    /// The next key of the object being walked, looked up in `keys` without building a String:
    /// its index there, `keys.count` for a key not in it, or nil at the end of the object.
    public mutating func nextKey(in keys: KeyTable) throws -> Int? {
        guard try advance(closing: UInt8(ascii: "}"), in: "object") else { return nil }
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw fail("expected a string key") }
        // Fast path: a key without escapes is matched where it lies.
        var end = index + 1
        while end < bytes.count, bytes[end] != UInt8(ascii: "\""), bytes[end] != UInt8(ascii: "\\"), bytes[end] >= 0x20 { end += 1 }
        let found: Int
        if end < bytes.count, bytes[end] == UInt8(ascii: "\"") {
            found = bytes.withUnsafeBufferPointer { keys.index(of: UnsafeBufferPointer(rebasing: $0[(index + 1)..<end])) }
            index = end + 1
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw fail("expected ':'") }
            index += 1
            skipWhitespace()
        } else {
            let key = Array(try parseKey().utf8)
            found = key.withUnsafeBufferPointer { keys.index(of: $0) }
        }
        return found
    }

    /// A member's key and its colon; positioned at the value.
    private mutating func parseKey() throws -> String {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw fail("expected a string key") }
        let key = try parseString()
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw fail("expected ':'") }
        index += 1
        skipWhitespace()
        return key
    }

    /// Enters the array that starts here.
    public mutating func beginArray() throws { try enter(UInt8(ascii: "[")) }

    /// Whether another element of the array being walked follows (positioned at it).
    public mutating func nextElement() throws -> Bool { try advance(closing: UInt8(ascii: "]"), in: "array") }

    private mutating func enter(_ opening: UInt8) throws {
        guard nextByte == opening else { throw fail("expected '\(Character(Unicode.Scalar(opening)))'") }
        depth += 1
        guard depth < 512 else { throw fail("nesting too deep") }
        index += 1
        firstMember.append(true)
    }

    /// Past the separator to the next member of the open container (true), or past its end (false).
    private mutating func advance(closing: UInt8, in container: String) throws -> Bool {
        try ensureReadAhead()
        skipWhitespace()
        try ensureReadAhead()
        guard index < bytes.count else { throw fail("unexpected end of input in \(container)") }
        if bytes[index] == closing {
            index += 1
            depth -= 1
            firstMember.removeLast()
            skipWhitespace()
            return false
        }
        if !firstMember[firstMember.count - 1] {
            guard bytes[index] == UInt8(ascii: ",") else { throw fail("expected ',' or '\(Character(Unicode.Scalar(closing)))'") }
            index += 1
            skipWhitespace()
            try ensureReadAhead()
        }
        firstMember[firstMember.count - 1] = false
        return true
    }

    /// The value that starts here, built (for the small parts of a document).
    public mutating func value() throws -> JSONValue {
        let parsed = try parseValue()
        skipWhitespace()
        return parsed
    }

    /// Passes over the value that starts here, checking its syntax but building nothing.
    public mutating func skipValue() throws {
        guard index < bytes.count else { throw fail("unexpected end of input") }
        switch bytes[index] {
        case UInt8(ascii: "{"):
            try beginObject()
            while try nextKey(in: KeyTable.empty) != nil { try skipValue() }
            return
        case UInt8(ascii: "["):
            try beginArray()
            while try nextElement() { try skipValue() }
            return
        case UInt8(ascii: "\""): try skipString()
        case UInt8(ascii: "t"): try expect("true")
        case UInt8(ascii: "f"): try expect("false")
        case UInt8(ascii: "n"): try expect("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try scanNumber()
        default: throw fail("unexpected character")
        }
        skipWhitespace()
    }

    /// Passes over the string that starts here, checking its escapes.
    private mutating func skipString() throws {
        index += 1
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            if byte == UInt8(ascii: "\"") { return }
            if byte < 0x20 { index -= 1; throw fail("control character in string") }
            guard byte == UInt8(ascii: "\\") else { continue }
            guard index < bytes.count else { break }
            let escape = bytes[index]
            index += 1
            switch escape {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                 UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                continue
            case UInt8(ascii: "u"): _ = try hex4()
            default: index -= 1; throw fail("invalid escape")
            }
        }
        throw fail("unterminated string")
    }

    /// Requires that nothing but whitespace follows the document.
    public mutating func end() throws {
        while true {
            skipWhitespace()
            if index < bytes.count || source == nil { break }
            try refill()
        }
        guard index == bytes.count else { throw fail("unexpected data after the document") }
    }

    /// How a streamed document's error begins when one scalar or built value did not fit the read-ahead.
    public static let longerThanReadAhead = "a single value longer than the read-ahead"

    /// `truncated`: the value ran past the buffered bytes (a literal or escape cut short).
    private func fail(_ reason: String, truncated: Bool = false) -> JSONSyntaxError {
        if source != nil && (index >= bytes.count || truncated) {
            return JSONSyntaxError(offset: base + index, reason: "\(Self.longerThanReadAhead) (\(readAhead) bytes) (\(reason))")
        }
        return JSONSyntaxError(offset: base + index, reason: reason)
    }

    private mutating func skipWhitespace() {
        while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09 {
            index += 1
        }
    }

    private mutating func parseValue() throws -> JSONValue {
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

    private mutating func expect(_ word: StaticString) throws {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw fail("unexpected end of input", truncated: true) }
        let matches = word.withUTF8Buffer { literal in
            (0..<count).allSatisfy { bytes[index + $0] == literal[$0] }
        }
        guard matches else { throw fail("invalid literal") }
        index += count
    }

    private mutating func parseObject() throws -> JSONValue {
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

    private mutating func parseArray() throws -> JSONValue {
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

    private mutating func parseNumber() throws -> String {
        let start = index
        try scanNumber()
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    /// Passes over the number that starts here, checking its grammar. When streaming, a number
    /// that reaches the end of the buffer may go on in bytes not yet read: that is a value longer
    /// than the read-ahead, never a shorter number.
    private mutating func scanNumber() throws {
        try scanNumberGrammar()
        if source != nil && index >= bytes.count { throw fail("number at the end of the buffered input") }
    }

    private mutating func scanNumberGrammar() throws {
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

    private mutating func parseString() throws -> String {
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
    private mutating func unicodeEscape() throws -> Unicode.Scalar {
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

    private static let replacement: Unicode.Scalar = "\u{FFFD}"

    private func appendUTF8(of scalar: Unicode.Scalar, to out: inout [UInt8]) {
        UTF8.encode(scalar) { out.append($0) }
    }

    private mutating func hex4() throws -> UInt32 {
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

/// Keys a walker looks for, matched against a document's bytes (see `JSONParser.nextKey(in:)`).
public struct KeyTable: Sendable {
    private let keys: [[UInt8]]
    public var count: Int { keys.count }

    public init(_ keys: [String]) { self.keys = keys.map { Array($0.utf8) } }

    /// No keys: every key is "other", for passing over objects.
    public static let empty = KeyTable([])

    /// The index of `bytes` among the keys, or `count` when absent.
    public func index(of bytes: UnsafeBufferPointer<UInt8>) -> Int {
        for (i, key) in keys.enumerated() where key.count == bytes.count {
            let equal = key.withUnsafeBufferPointer { table -> Bool in
                guard let a = table.baseAddress, let b = bytes.baseAddress else { return true } // both empty
                return memcmp(a, b, bytes.count) == 0
            }
            if equal { return i }
        }
        return keys.count
    }
}
