import Foundation
import JSON
import Testing
@testable import UsageAPI

@Suite("JSON parser: escapes and hostile strings")
struct JSONParserTests {
    private func string(_ json: String) throws -> String? {
        if case .string(let text) = try JSONParser.parse(Array(json.utf8)) { return text }
        return nil
    }

    @Test(arguments: [
        (#""x\ud800\u0041""#, "x\u{FFFD}A"),            // a high surrogate, then an escape that is not a low one
        (#""\ud83d\ude00""#, "\u{1F600}"),               // a pair is its character
        (#""\uD83D\uDE00!""#, "\u{1F600}!"),
        (#""\ude00x""#, "\u{FFFD}x"),                    // a low surrogate alone
        (#""a\ud800""#, "a\u{FFFD}"),                    // a high surrogate at the end of the string
        (#""\ud800\ud83d\ude00""#, "\u{FFFD}\u{1F600}"), // a lone high one, then a pair
        (#""\ud800\n""#, "\u{FFFD}\n"),
        (#""\udbff\udfff""#, "\u{10FFFF}"),
        (#""\u0000\u00e9\u20ac""#, "\u{0}é€"),
    ])
    func unicodeEscapes(json: String, expected: String) throws {
        #expect(try string(json) == expected)
        // The walker passes over the same string without building it.
        var walker = JSONParser(walking: Array("[\(json)]".utf8))
        try walker.beginArray()
        #expect(try walker.nextElement())
        try walker.skipValue()
        #expect(try !walker.nextElement())
        try walker.end()
    }

    @Test(arguments: [#""\ud8"#, #""\ud800\u12"#, #""\uZZZZ""#, #""\ud800\uZZZZ""#, #""abc"#, "\"a\u{1}b\"", #""\x""#])
    func brokenEscapesAreSyntaxErrors(json: String) {
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(Array(json.utf8)) }
    }

    @Test func invalidUTF8BecomesReplacementCharacters() throws {
        let bytes: [UInt8] = [0x22, 0x61, 0xFF, 0xC3, 0x22]
        #expect(try JSONParser.parse(bytes) == .string("a\u{FFFD}\u{FFFD}"))
    }

    @Test func nestingIsBounded() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(Array(deep.utf8)) }
        var walker = JSONParser(walking: Array(deep.utf8))
        #expect(throws: JSONSyntaxError.self) { try walker.skipValue() }
    }

    /// The walker's fast path for integers gives the text the general path would, and leaves to
    /// the general path (moving nothing) whatever it does not take.
    @Test(arguments: [("17,", 17), ("0 ,", 0), ("-0,", 0), ("-42}", -42), ("999999999999999999,", 999_999_999_999_999_999),
                      ("-999999999999999999]", -999_999_999_999_999_999)] as [(String, Int64)])
    func integerFastPathTakesPlainIntegers(json: String, expected: Int64) {
        var walker = JSONParser(walking: Array(json.utf8))
        let number = walker.plainInteger()
        #expect(number == expected)
        #expect(walker.nextByte == json.utf8.last)
    }

    @Test(arguments: ["1.5,", "1e3,", "2E-1,", "01,", "-,", "\"7\",", "null,", "1234567890123456789,", "42", "-"])
    func integerFastPathLeavesTheRest(json: String) throws {
        var walker = JSONParser(walking: Array(json.utf8))
        let number = walker.plainInteger()
        #expect(number == nil)
        #expect(walker.offset == 0, "nothing consumed")
    }

    /// Strings written without escapes are read in place; the rest go the general way, untouched.
    @Test func plainStringsOnlyTakeWhatNeedsNoDecoding() throws {
        var walker = JSONParser(walking: Array(#"["proj_a", "caf\u00e9", "tab\there", "", 7]"#.utf8))
        try walker.beginArray()
        var read: [String?] = []
        while try walker.nextElement() {
            let start = walker.offset
            let plain = walker.plainString()
            read.append(plain)
            if plain == nil {
                #expect(walker.offset == start, "nothing consumed")
                try walker.skipValue()
            }
        }
        #expect(read == ["proj_a", nil, nil, "", nil])
        var unterminated = JSONParser(walking: Array(#""abc"#.utf8))
        let cut = unterminated.plainString()
        #expect(cut == nil)
    }

    /// A string equal to the one given is passed over only when its bytes are exactly that text.
    @Test func reusedStringsMatchOnlyTheirOwnBytes() throws {
        var walker = JSONParser(walking: Array(#"["proj_a", "proj_ab", "proj_\u0061", "proj_a"]"#.utf8))
        try walker.beginArray()
        var matched: [Bool] = []
        while try walker.nextElement() {
            let same = walker.skipString(equalTo: "proj_a")
            matched.append(same)
            if !same { _ = try walker.value() }
        }
        // A longer string, and the same text written with an escape, go the general way.
        #expect(matched == [true, false, false, true])
        #expect(JSONParser.isReusable("proj_a") && !JSONParser.isReusable("a\"b") && !JSONParser.isReusable("a\\b") && !JSONParser.isReusable("a\nb"))
    }

    /// The expected key is matched in place, and anything else is matched the long way.
    @Test func keysMatchWithAndWithoutTheHint() throws {
        let keys = KeyTable(["a", "ab", "q\"uote"])
        var walker = JSONParser(walking: Array(#"{"ab": 1, "a": 2, "a\u0062": 3, "abc": 4, "q\"uote": 5}"#.utf8))
        try walker.beginObject()
        var unknown: String?
        var found: [Int] = []
        var hint = 0
        while let index = try walker.nextKey(in: keys, unknown: &unknown, hint: hint) {
            found.append(index)
            hint = 1 // always expect "ab"
            try walker.skipValue()
        }
        #expect(found == [1, 0, 1, 3, 2])
    }
}
