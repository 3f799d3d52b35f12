#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where and why a document is not valid JSON.
public struct JSONSyntaxError: Error, CustomStringConvertible, Sendable {
    public var offset: Int
    public var reason: String
    public var description: String { "invalid JSON at byte \(offset): \(reason)" }
}

/// A strict RFC 8259 parser over UTF-8 bytes: whole documents at once (`parse`), or walked one
/// member at a time, from memory or streamed from a source in chunks.
public struct JSONParser {
    var bytes: [UInt8]
    var index = 0
    /// The document offset of `bytes[0]`: when streaming, consumed bytes are dropped.
    var base = 0
    /// Appends more of a streamed document to the buffer and returns false at its end; nil once
    /// the whole rest of the document is in `bytes`.
    var source: ((inout [UInt8]) throws -> Bool)?
    /// When streaming, each member of a walked container starts with at least this much of the
    /// document buffered (or all of it): a single scalar or built value must fit.
    public static let defaultReadAhead = 256 * 1024
    var readAhead = JSONParser.defaultReadAhead
    var depth = 0
    /// For walking: whether the innermost open container has had no member yet (read at every
    /// member, so a plain property), and the same for each container around it.
    var firstMember = false
    var outerFirstMembers: [Bool] = []

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
    public init(streaming source: @escaping (inout [UInt8]) throws -> Bool, readAhead: Int = JSONParser.defaultReadAhead) throws {
        self.bytes = []
        self.source = source
        self.readAhead = max(1, readAhead)
        try refill()
        skipWhitespace()
    }

    /// Drops consumed bytes and reads until `2 * readAhead` bytes are buffered or the source ends.
    mutating func refill() throws {
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
    mutating func ensureReadAhead() throws {
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
        var unknown: String?
        return try nextKey(in: keys, unknown: &unknown)
    }

    /// Like `nextKey(in:)`, and when the key is not among `keys` (the index is `keys.count`), also
    /// gives the key's text in `unknown` (nil otherwise): the rare case pays for the string.
    public mutating func nextKey(in keys: KeyTable, unknown: inout String?, hint: Int = -1) throws -> Int? {
        unknown = nil
        guard try advance(closing: UInt8(ascii: "}"), in: "object") else { return nil }
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw fail("expected a string key") }
        // Fastest path: the expected key, compared where it lies (when it is written without escapes).
        if let length = keys.plainLength(of: hint), index + length + 1 < bytes.count, bytes[index + length + 1] == UInt8(ascii: "\""),
           bytes.withUnsafeBufferPointer({ keys.matches(hint, UnsafeBufferPointer(rebasing: $0[(index + 1)..<(index + 1 + length)])) }) {
            index += length + 2
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw fail("expected ':'") }
            index += 1
            skipWhitespace()
            return hint
        }
        // Fast path: a key without escapes is matched where it lies.
        var end = index + 1
        while end < bytes.count, bytes[end] != UInt8(ascii: "\""), bytes[end] != UInt8(ascii: "\\"), bytes[end] >= 0x20 { end += 1 }
        let found: Int
        if end < bytes.count, bytes[end] == UInt8(ascii: "\"") {
            found = bytes.withUnsafeBufferPointer { keys.index(of: UnsafeBufferPointer(rebasing: $0[(index + 1)..<end]), hint: hint) }
            if found == keys.count { unknown = String(decoding: bytes[(index + 1)..<end], as: UTF8.self) }
            index = end + 1
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw fail("expected ':'") }
            index += 1
            skipWhitespace()
        } else {
            let text = try parseKey()
            let key = Array(text.utf8)
            found = key.withUnsafeBufferPointer { keys.index(of: $0) }
            if found == keys.count { unknown = text }
        }
        return found
    }

    /// A member's key and its colon; positioned at the value.
    mutating func parseKey() throws -> String {
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

    mutating func enter(_ opening: UInt8) throws {
        guard nextByte == opening else { throw fail("expected '\(Character(Unicode.Scalar(opening)))'") }
        depth += 1
        guard depth < 512 else { throw fail("nesting too deep") }
        index += 1
        outerFirstMembers.append(firstMember)
        firstMember = true
    }

    /// Past the separator to the next member of the open container (true), or past its end (false).
    mutating func advance(closing: UInt8, in container: String) throws -> Bool {
        try ensureReadAhead()
        skipWhitespace()
        try ensureReadAhead()
        guard index < bytes.count else { throw fail("unexpected end of input in \(container)") }
        if bytes[index] == closing {
            index += 1
            depth -= 1
            firstMember = outerFirstMembers.popLast() ?? false
            skipWhitespace()
            return false
        }
        if !firstMember {
            guard bytes[index] == UInt8(ascii: ",") else { throw fail("expected ',' or '\(Character(Unicode.Scalar(closing)))'") }
            index += 1
            skipWhitespace()
            try ensureReadAhead()
        }
        firstMember = false
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
    mutating func skipString() throws {
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
    func fail(_ reason: String, truncated: Bool = false) -> JSONSyntaxError {
        if source != nil && (index >= bytes.count || truncated) {
            return JSONSyntaxError(offset: base + index, reason: "\(Self.longerThanReadAhead) (\(readAhead) bytes) (\(reason))")
        }
        return JSONSyntaxError(offset: base + index, reason: reason)
    }

    @inline(__always)
    mutating func skipWhitespace() {
        // Compact documents have none: one look settles it.
        guard index < bytes.count, bytes[index] <= 0x20 else { return }
        while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09 {
            index += 1
        }
    }
}
