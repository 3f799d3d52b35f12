/// The simulator's one JSON writer: appends JSON text to a byte buffer, piece by piece for fast
/// pages with exact number text (`raw`, `string`, `key`, `int`), or a `Value` whole.
struct JSONWriter {
    var bytes: [UInt8] = []

    init(capacity: Int = 4096) { bytes.reserveCapacity(capacity) }

    mutating func raw(_ text: String) { bytes.append(contentsOf: text.utf8) }

    mutating func string(_ text: String) {
        bytes.append(0x22)
        var text = text
        // Most strings need no escaping: copied whole.
        let copied = text.withUTF8 { utf8 in
            guard !utf8.contains(where: { $0 == 0x22 || $0 == 0x5C || $0 < 0x20 }) else { return false }
            bytes.append(contentsOf: utf8)
            return true
        }
        if !copied { escaped(text) }
        bytes.append(0x22)
    }

    private mutating func escaped(_ text: String) {
        for byte in text.utf8 {
            switch byte {
            case 0x22: bytes.append(0x5C); bytes.append(0x22)
            case 0x5C: bytes.append(0x5C); bytes.append(0x5C)
            case 0x0A: bytes.append(0x5C); bytes.append(UInt8(ascii: "n"))
            case 0x0D: bytes.append(0x5C); bytes.append(UInt8(ascii: "r"))
            case 0x09: bytes.append(0x5C); bytes.append(UInt8(ascii: "t"))
            case 0..<0x20:
                let hex = String(byte, radix: 16)
                raw("\\u" + String(repeating: "0", count: 4 - hex.count) + hex)
            default: bytes.append(byte)
            }
        }
    }

    mutating func optionalString(_ text: String?) {
        if let text { string(text) } else { raw("null") }
    }

    mutating func key(_ name: String) {
        string(name)
        bytes.append(UInt8(ascii: ":"))
    }

    mutating func int(_ value: Int64) { raw(String(value)) }
}

extension JSONWriter {
    /// A JSON value written whole, for small bodies whose shape reads best as a literal:
    /// `["id": .string(id), "object": "organization.project", "archived_at": .optional(at)]`.
    /// Objects keep their members in the order written (unlike `UsageAPI.JSONValue`, the parser's).
    enum Value: ExpressibleByStringLiteral, ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral,
                ExpressibleByDictionaryLiteral {
        case string(String)
        case int(Int64)
        case bool(Bool)
        case null
        case array([Value])
        case object([(String, Value)])

        init(stringLiteral value: String) { self = .string(value) }
        init(booleanLiteral value: Bool) { self = .bool(value) }
        init(arrayLiteral elements: Value...) { self = .array(elements) }
        init(dictionaryLiteral members: (String, Value)...) { self = .object(members) }

        /// The string, or `null`.
        static func optional(_ text: String?) -> Value { text.map(Value.string) ?? .null }
        /// The number, or `null`.
        static func optional(_ number: Int64?) -> Value { number.map(Value.int) ?? .null }
    }

    /// Appends `value`: strings escaped as `string` does, numbers as `int`, members in order.
    mutating func value(_ value: Value) {
        switch value {
        case .string(let text): string(text)
        case .int(let number): int(number)
        case .bool(let flag): raw(flag ? "true" : "false")
        case .null: raw("null")
        case .array(let elements):
            bytes.append(UInt8(ascii: "["))
            for (i, element) in elements.enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                self.value(element)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let members):
            bytes.append(UInt8(ascii: "{"))
            for (i, (name, member)) in members.enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                key(name)
                self.value(member)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }
}
