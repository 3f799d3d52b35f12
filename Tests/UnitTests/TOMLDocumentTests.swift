import Testing
@testable import Pipeline

@Suite("TOML for pipeline files")
struct TOMLDocumentTests {
    @Test func readsWhatPipelineFilesUse() throws {
        let table = try TOMLTable(parsing: """
            # a comment
            name = "daily" # trailing comment
            'quoted key' = 'C:\\literal'
            "escapes" = "tab\\tquote\\"\\u00e9\\U0001F600"
            count = +1_000
            negative = -9223372036854775808
            hex = 0xFF
            flag = true
            list = [
              "a", # inside an array
              "b",
            ]
            inline = { project_ids = ["p1", "p2"], nested = { x = 1 } }

            [[streams]]
            endpoint = "costs"
            [[streams]]
            endpoint = "images"
            batch = false
            """)
        #expect(table.keys == ["name", "quoted key", "escapes", "count", "negative", "hex", "flag", "list", "inline", "streams"])
        #expect(table["quoted key"]?.string == #"C:\literal"#)
        #expect(table["escapes"]?.string == "tab\tquote\"é\u{1F600}")
        #expect(table["count"]?.int == 1000)
        #expect(table["negative"] == .integer(.min))
        #expect(table["hex"]?.int == 255)
        #expect(table["flag"]?.bool == true)
        #expect(table["list"]?.array == [.string("a"), .string("b")])
        #expect(table["inline"]?.table?["nested"]?.table?["x"]?.int == 1)
        let streams = try #require(table["streams"]?.array)
        #expect(streams.count == 2)
        #expect(streams[1].table?["batch"]?.bool == false)
        #expect(streams[0].table?["endpoint"]?.string == "costs")
    }

    @Test(arguments: [
        ("name = \"broken\nx = 1", 1, "control character"),
        ("a = 1\na = 2", 2, "given twice"),
        ("a = 1.5", 1, "no floats or dates"),
        ("d = 2026-01-01", 1, "no floats or dates"),
        ("a.b = 1", 1, "dotted keys"),
        ("[[{treams]]", 1, "expected a key"),
        ("a = 9223372036854775808", 1, "does not fit 64 bits"),
        ("a = 0777", 1, "leading zeros"),
        ("a = 1__0", 1, "invalid integer"),
        ("a = \"\\q\"", 1, "invalid escape"),
        ("a = \"\\ud800\"", 1, "invalid \\u escape"),
        ("a = [1, 2", 1, "expected"),
        ("a = 1 b = 2", 1, "end of the line"),
        ("[t]\n[t]", 2, "defined twice"),
        ("x = 1\n[[x]]", 2, "already a value"),
        ("a = \"\"\"multi\"\"\"", 1, "multi-line"),
        ("a = ++5", 1, "invalid integer"),
        ("a = 0x+ff", 1, "invalid integer"),
        ("streams = []\n[[streams]]", 2, "already a value"),
        ("a = \"\\e\"", 1, "invalid escape"),
        ("a = 1\rb = 2", 1, "end of the line"),
    ])
    func refusesWithLineAndReason(text: String, line: Int, reason: String) {
        #expect {
            _ = try TOMLTable(parsing: text)
        } throws: { error in
            guard let error = error as? TOMLSyntaxError else { return false }
            return error.line == line && error.reason.contains(reason)
        }
    }

    @Test func byteOrderMarkAndCRLF() throws {
        let table = try TOMLTable(parsing: "\u{FEFF}a = 1\r\nb = \"x\"\r\n")
        #expect(table["a"]?.int == 1 && table["b"]?.string == "x")
    }

    @Test func nestingIsBounded() {
        let deep = "a = " + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(throws: TOMLSyntaxError.self) { try TOMLTable(parsing: deep) }
    }
}
