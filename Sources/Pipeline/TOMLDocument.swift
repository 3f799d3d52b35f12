/// The TOML that pipeline files are written in, parsed in Swift with no C or C++ underneath (the
/// toml++ parser this replaced asserted, or in release builds assumed, on inputs such as `[[{x]]`).
///
/// What it reads: comments; `key = value` with bare or quoted keys; `[table]` and `[[array of
/// tables]]` headers of one name; basic and literal strings (one line); integers (signs, `_`
/// separators, `0x`/`0o`/`0b`); booleans; arrays (over several lines, trailing comma allowed); inline
/// tables. What pipeline files never need (floats, dates, multi-line strings, dotted keys) is refused
/// with its line and column, as is a key given twice.
public struct TOMLSyntaxError: Error, CustomStringConvertible, Sendable {
    public var line: Int
    public var column: Int
    public var reason: String
    public var description: String { "line \(line), column \(column): \(reason)" }
}

/// A TOML value.
public enum TOMLValue: Sendable, Equatable {
    case string(String)
    case integer(Int64)
    case boolean(Bool)
    case array([TOMLValue])
    case table(TOMLTable)

    public var string: String? { if case .string(let s) = self { s } else { nil } }
    public var int: Int? { if case .integer(let i) = self { Int(exactly: i) } else { nil } }
    public var bool: Bool? { if case .boolean(let b) = self { b } else { nil } }
    public var array: [TOMLValue]? { if case .array(let a) = self { a } else { nil } }
    public var table: TOMLTable? { if case .table(let t) = self { t } else { nil } }
}

/// A TOML table: its keys in the order written.
public struct TOMLTable: Sendable, Equatable {
    public private(set) var keys: [String] = []
    private var values: [String: TOMLValue] = [:]

    public init() {}

    public subscript(key: String) -> TOMLValue? { values[key] }

    /// Sets `key`, refusing a key already set.
    mutating func insert(_ key: String, _ value: TOMLValue) -> Bool {
        guard values[key] == nil else { return false }
        keys.append(key)
        values[key] = value
        return true
    }

    /// Replaces the value of a key already set (appending to an array of tables).
    mutating func replace(_ key: String, _ value: TOMLValue) { values[key] = value }

    /// Parses a whole document.
    public init(parsing text: String) throws(TOMLSyntaxError) {
        var parser = TOMLParser(Array(text.utf8))
        self = try parser.document()
    }
}

/// One pass over the bytes, one value at a time, with the nesting of arrays and inline tables bounded.
struct TOMLParser {
    private let bytes: [UInt8]
    private var index = 0
    private var line = 1
    private var lineStart = 0
    private var depth = 0
    static let maxDepth = 64

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3; lineStart = 3 } // a UTF-8 byte order mark
    }

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    private func fail(_ reason: String) -> TOMLSyntaxError {
        TOMLSyntaxError(line: line, column: index - lineStart + 1, reason: reason)
    }

    /// The document: key/value lines into the root or the table the last header opened.
    mutating func document() throws(TOMLSyntaxError) -> TOMLTable {
        var root = TOMLTable()
        // Where key/value lines go: the root, `[name]`, or the last element of `[[name]]`.
        enum Target { case root, table(String), arrayElement(String) }
        var target = Target.root
        var open = TOMLTable()
        var headerArrays = Set<String>() // arrays of tables made by `[[name]]` (an inline array cannot grow)
        func close(_ target: Target, _ table: TOMLTable, into root: inout TOMLTable) {
            switch target {
            case .root: break
            case .table(let name): root.replace(name, .table(table))
            case .arrayElement(let name):
                var elements = root[name]?.array ?? []
                if !elements.isEmpty { elements[elements.count - 1] = .table(table) }
                root.replace(name, .array(elements))
            }
        }
        while true {
            skipBlankAndComments()
            guard let byte = current else { break }
            if byte == UInt8(ascii: "[") {
                close(target, open, into: &root)
                open = TOMLTable()
                let array = index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "[")
                index += array ? 2 : 1
                skipSpaces()
                let name = try key()
                skipSpaces()
                guard expect("]") && (!array || expect("]")) else { throw fail(array ? "expected ']]' after the table name" : "expected ']' after the table name") }
                try endOfLine()
                if array {
                    if let existing = root[name] {
                        guard var elements = existing.array, headerArrays.contains(name) else {
                            throw fail("'\(name)' is already a value, not an array of tables")
                        }
                        elements.append(.table(TOMLTable()))
                        root.replace(name, .array(elements))
                    } else {
                        _ = root.insert(name, .array([.table(TOMLTable())]))
                        headerArrays.insert(name)
                    }
                    target = .arrayElement(name)
                } else {
                    guard root.insert(name, .table(TOMLTable())) else { throw fail("table '\(name)' is defined twice") }
                    target = .table(name)
                }
                continue
            }
            let column = index
            let name = try key()
            skipSpaces()
            guard expect("=") else { throw fail(current(is: ".") ? "dotted keys are not supported" : "expected '=' after the key") }
            skipSpaces()
            let value = try self.value()
            try endOfLine()
            let inserted: Bool
            if case .root = target { inserted = root.insert(name, value) } else { inserted = open.insert(name, value) }
            guard inserted else { index = column; throw fail("key '\(name)' is given twice") }
        }
        close(target, open, into: &root)
        return root
    }

    private func current(is character: Unicode.Scalar) -> Bool { current == UInt8(ascii: character) }

    private mutating func expect(_ character: Unicode.Scalar) -> Bool {
        guard current == UInt8(ascii: character) else { return false }
        index += 1
        return true
    }

    private mutating func skipSpaces() {
        while let byte = current, byte == 0x20 || byte == 0x09 { index += 1 }
    }

    private mutating func newline() {
        index += 1
        line += 1
        lineStart = index
    }

    /// Spaces, comments and line breaks (between lines, and inside arrays).
    private mutating func skipBlankAndComments() {
        while let byte = current {
            switch byte {
            case 0x20, 0x09: index += 1
            case 0x0D where index + 1 < bytes.count && bytes[index + 1] == 0x0A: index += 1
            case 0x0A: newline()
            case UInt8(ascii: "#"): while let c = current, c != 0x0A { index += 1 }
            default: return
            }
        }
    }

    /// After a value or header: spaces, an optional comment, then a line break or the end.
    private mutating func endOfLine() throws(TOMLSyntaxError) {
        skipSpaces()
        if current(is: "#") { while let c = current, c != 0x0A { index += 1 } }
        if current == 0x0D, index + 1 < bytes.count, bytes[index + 1] == 0x0A { index += 1 }
        guard let byte = current else { return }
        guard byte == 0x0A else { throw fail("expected the end of the line") }
        newline()
    }

    /// A bare key (`A-Za-z0-9_-`) or a quoted one.
    private mutating func key() throws(TOMLSyntaxError) -> String {
        if current(is: "\"") || current(is: "'") { return try string() }
        let start = index
        while let byte = current, Self.isBareKey(byte) { index += 1 }
        guard index > start else { throw fail("expected a key") }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    private static func isBareKey(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
            || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
    }

    private mutating func value() throws(TOMLSyntaxError) -> TOMLValue {
        guard let byte = current else { throw fail("expected a value") }
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "'"): return .string(try string())
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "{"): return try inlineTable()
        case UInt8(ascii: "t"), UInt8(ascii: "f"):
            if word("true") { return .boolean(true) }
            if word("false") { return .boolean(false) }
            throw fail("expected a value")
        default: return .integer(try integer())
        }
    }

    private mutating func word(_ text: StaticString) -> Bool {
        let count = text.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        let matches = text.withUTF8Buffer { literal in (0..<count).allSatisfy { bytes[index + $0] == literal[$0] } }
        guard matches else { return false }
        if index + count < bytes.count, Self.isBareKey(bytes[index + count]) { return false }
        index += count
        return true
    }

    /// A decimal, hexadecimal, octal or binary integer that fits 64 bits.
    private mutating func integer() throws(TOMLSyntaxError) -> Int64 {
        let start = index
        while let byte = current, Self.isBareKey(byte) || byte == UInt8(ascii: "+") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: ":") { index += 1 }
        var text = Substring(String(decoding: bytes[start..<index], as: UTF8.self))
        guard !text.isEmpty else { throw fail("expected a value") }
        let body = text.drop { $0 == "+" || $0 == "-" }
        if text.contains(".") || text.contains(":") || (text.contains("e") || text.contains("E")) && !text.hasPrefix("0x")
            || body.dropFirst().contains("-") || body == "inf" || body == "nan" {
            index = start
            throw fail("only strings, integers, booleans, arrays and inline tables are supported (no floats or dates)")
        }
        var negative = false
        if text.first == "+" || text.first == "-" { negative = text.first == "-"; text = text.dropFirst() }
        var radix = 10
        for (prefix, base) in [("0x", 16), ("0o", 8), ("0b", 2)] where text.hasPrefix(prefix) {
            guard !negative else { index = start; throw fail("a \(prefix) integer takes no sign") }
            radix = base
            text = text.dropFirst(2)
        }
        // Underscores only between digits.
        guard !text.isEmpty, text.first != "_", text.last != "_", !text.contains("__") else {
            index = start
            throw fail("invalid integer")
        }
        let digits = text.filter { $0 != "_" }
        guard digits.allSatisfy({ $0.isASCII && $0.isHexDigit }) else { index = start; throw fail("invalid integer") }
        if radix == 10, digits.count > 1, digits.first == "0" { index = start; throw fail("leading zeros are not allowed") }
        guard let magnitude = UInt64(digits, radix: radix) else { index = start; throw fail("invalid integer") }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { index = start; throw fail("integer does not fit 64 bits") }
            return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
        }
        guard magnitude <= UInt64(Int64.max) else { index = start; throw fail("integer does not fit 64 bits") }
        return Int64(magnitude)
    }

    /// A basic (`"…"`, with escapes) or literal (`'…'`) string on one line.
    private mutating func string() throws(TOMLSyntaxError) -> String {
        guard let quote = current else { throw fail("expected a string") }
        if index + 2 < bytes.count, bytes[index + 1] == quote, bytes[index + 2] == quote {
            throw fail("multi-line strings are not supported")
        }
        index += 1
        var out: [UInt8] = []
        while let byte = current {
            if byte == quote { index += 1; return String(decoding: out, as: UTF8.self) }
            if byte == 0x0A || (byte < 0x20 && byte != 0x09) || byte == 0x7F { throw fail("control character in a string") }
            index += 1
            guard quote == UInt8(ascii: "\""), byte == UInt8(ascii: "\\") else { out.append(byte); continue }
            guard let escape = current else { break }
            index += 1
            switch escape {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "u"), UInt8(ascii: "U"):
                let count = escape == UInt8(ascii: "u") ? 4 : 8
                guard index + count <= bytes.count,
                      let code = UInt32(String(decoding: bytes[index..<(index + count)], as: UTF8.self), radix: 16),
                      bytes[index..<(index + count)].allSatisfy({ $0 != UInt8(ascii: "+") && $0 != UInt8(ascii: "-") }),
                      let scalar = Unicode.Scalar(code) else {
                    throw fail("invalid \\\(Character(Unicode.Scalar(escape))) escape (a Unicode scalar in hex)")
                }
                index += count
                UTF8.encode(scalar) { out.append($0) }
            default:
                index -= 1
                throw fail("invalid escape in a string")
            }
        }
        throw fail("unterminated string")
    }

    private mutating func nested<T>(_ body: (inout TOMLParser) throws(TOMLSyntaxError) -> T) throws(TOMLSyntaxError) -> T {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maxDepth else { throw fail("nesting deeper than \(Self.maxDepth)") }
        return try body(&self)
    }

    /// `[a, b, …]`, over several lines, with comments and a trailing comma.
    private mutating func array() throws(TOMLSyntaxError) -> TOMLValue {
        try nested { (parser: inout TOMLParser) throws(TOMLSyntaxError) -> TOMLValue in
            parser.index += 1
            var elements: [TOMLValue] = []
            while true {
                parser.skipBlankAndComments()
                if parser.expect("]") { return .array(elements) }
                elements.append(try parser.value())
                parser.skipBlankAndComments()
                if parser.expect(",") { continue }
                guard parser.expect("]") else { throw parser.fail("expected ',' or ']' in an array") }
                return .array(elements)
            }
        }
    }

    /// `{ key = value, … }` on one line.
    private mutating func inlineTable() throws(TOMLSyntaxError) -> TOMLValue {
        try nested { (parser: inout TOMLParser) throws(TOMLSyntaxError) -> TOMLValue in
            parser.index += 1
            var table = TOMLTable()
            parser.skipSpaces()
            if parser.expect("}") { return .table(table) }
            while true {
                parser.skipSpaces()
                let column = parser.index
                let name = try parser.key()
                parser.skipSpaces()
                guard parser.expect("=") else { throw parser.fail("expected '=' after the key") }
                parser.skipSpaces()
                let value = try parser.value()
                guard table.insert(name, value) else { parser.index = column; throw parser.fail("key '\(name)' is given twice") }
                parser.skipSpaces()
                if parser.expect(",") { continue }
                guard parser.expect("}") else { throw parser.fail("expected ',' or '}' in an inline table") }
                return .table(table)
            }
        }
    }
}
