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
}
