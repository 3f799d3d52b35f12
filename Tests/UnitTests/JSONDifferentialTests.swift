import Foundation
import JSON
import Testing
@testable import UsageAPI

/// Our parser against Foundation's `JSONSerialization` on generated valid documents: the same
/// strings, structure and numbers (numbers as exact decimal text, never through `Double`).
@Suite("JSON parser against JSONSerialization")
struct JSONDifferentialTests {
    /// A small deterministic generator (SplitMix64), so a failure names a seed that reproduces it.
    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    }

    /// A valid JSON document as text, with nesting, escapes, astral characters, long strings and
    /// numbers with exponents and up to 38 significant digits (what Foundation's Decimal holds exactly).
    static func document(_ g: inout Generator, depth: Int = 0) -> String {
        switch g.below(depth >= 6 ? 4 : 7) {
        case 0: return string(&g)
        case 1: return number(&g)
        case 2: return ["true", "false", "null"][g.below(3)]
        case 3: return number(&g)
        case 4, 5:
            let count = g.below(6)
            var keys = Set<String>()
            var members: [String] = []
            for _ in 0..<count {
                let key = string(&g)
                guard keys.insert(key).inserted else { continue } // keys once (Foundation keeps the last, we too, but say it plainly)
                members.append(key + whitespace(&g) + ":" + whitespace(&g) + document(&g, depth: depth + 1))
            }
            return "{" + whitespace(&g) + members.joined(separator: "," + whitespace(&g)) + whitespace(&g) + "}"
        default:
            let items = (0..<g.below(6)).map { _ in document(&g, depth: depth + 1) }
            return "[" + items.joined(separator: whitespace(&g) + "," + whitespace(&g)) + "]"
        }
    }

    static func whitespace(_ g: inout Generator) -> String { ["", "", " ", "\n", "\t ", "\r\n"][g.below(6)] }

    static func string(_ g: inout Generator) -> String {
        var out = "\""
        let length = g.below(20) == 0 ? 2_000 + g.below(4_000) : g.below(12)
        for _ in 0..<length {
            switch g.below(12) {
            case 0: out += ["\\\"", "\\\\", "\\/", "\\b", "\\f", "\\n", "\\r", "\\t"][g.below(8)]
            case 1: // a BMP escape that is not a surrogate
                var code = g.below(0xFFFF) + 1
                if (0xD800..<0xE000).contains(code) { code -= 0x800 }
                out += String(format: "\\u%04x", code)
            case 2: // an astral character as an escaped surrogate pair
                let scalar = 0x10000 + g.below(0x100000)
                out += String(format: "\\u%04X\\u%04X", 0xD800 + ((scalar - 0x10000) >> 10), 0xDC00 + ((scalar - 0x10000) & 0x3FF))
            case 3: out += ["é", "€", "\u{1F600}", "\u{10FFFF}", "中"][g.below(5)]
            default: out.append(Character(Unicode.Scalar(UInt8(0x20 + g.below(0x5F)))))
                if out.hasSuffix("\\") || out.hasSuffix("\"") && out.count > 1 { out.removeLast(); out += "x" }
            }
        }
        return out + "\""
    }

    static func number(_ g: inout Generator) -> String {
        func digits(_ count: Int) -> String {
            String((0..<count).map { i in Character(String(i == 0 ? 1 + g.below(9) : g.below(10))) })
        }
        var text = g.below(3) == 0 ? "-" : ""
        let whole = g.below(4) == 0 ? 0 : 1 + g.below(30)
        text += whole == 0 ? "0" : digits(whole)
        if g.below(2) == 0 { text += "." + String((0..<(1 + g.below(min(8, 38 - whole)))).map { _ in Character(String(g.below(10))) }) }
        if g.below(3) == 0 { text += ["e", "E"][g.below(2)] + ["", "+", "-"][g.below(3)] + String(g.below(20)) }
        return text
    }

    /// A document as Foundation's `JSONDecoder` reads it, numbers as `Decimal` from their digits
    /// (exact to 38 digits, which the generator stays within; `JSONSerialization` rounds many through `Double`).
    indirect enum FoundationJSON: Decodable {
        case null, bool(Bool), number(Decimal), string(String), array([FoundationJSON]), object([String: FoundationJSON])

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() { self = .null }
            else if let flag = try? container.decode(Bool.self) { self = .bool(flag) }
            else if let text = try? container.decode(String.self) { self = .string(text) }
            else if let number = try? container.decode(Decimal.self) { self = .number(number) }
            else if let items = try? container.decode([FoundationJSON].self) { self = .array(items) }
            else { self = .object(try container.decode([String: FoundationJSON].self)) }
        }
    }

    /// Whether Foundation's value is ours.
    static func same(_ ours: JSONValue, _ theirs: FoundationJSON) -> Bool {
        switch (ours, theirs) {
        case (.null, .null): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.string(a), .string(b)): return a == b
        case let (.number(text), .number(decimal)):
            guard let a = DecimalText(text), let b = DecimalText("\(decimal)") else { return false }
            return a.text == b.text
        case let (.array(a), .array(b)): return a.count == b.count && zip(a, b).allSatisfy { same($0, $1) }
        case let (.object(a), .object(b)):
            return a.count == b.count && a.allSatisfy { key, value in b[key].map { same(value, $0) } ?? false }
        default: return false
        }
    }

    @Test(arguments: 0..<4)
    func generatedDocumentsReadTheSame(batch: Int) throws {
        var g = Generator(state: UInt64(batch) &* 0x1234_5678_9ABC_DEF1)
        for index in 0..<500 {
            let text = Self.document(&g)
            let bytes = Array(text.utf8)
            let ours = try JSONParser.parse(bytes)
            _ = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed]) // valid for Foundation too
            let theirs = try JSONDecoder().decode(FoundationJSON.self, from: Data(bytes))
            #expect(Self.same(ours, theirs), "batch \(batch) document \(index): \(text.prefix(300))")
            // The walker passes over what the tree parser builds.
            var walker = JSONParser(walking: bytes)
            try walker.skipValue()
            try walker.end()
        }
    }

    @Test func numbersKeepTheirExactText() throws {
        for text in ["123456789012345678901234567890123456", "-0.000000000000000000000000000001", "1.25e-05", "3E+2", "-0"] {
            #expect(try JSONParser.parse(Array(text.utf8)) == .number(text))
        }
    }
}
