import Testing
import Zstd

@Suite("zstd")
struct ZstdTests {
    @Test(arguments: [1, 6, 19])
    func roundTrips(level: Int32) throws {
        let text = String(repeating: "{\"object\":\"bucket\",\"results\":[]},", count: 5_000)
        let input = Array(text.utf8)
        let compressed = try Zstd.compress(input, level: level)
        #expect(compressed.count < input.count / 10)
        #expect(try Zstd.decompress(compressed) == input)
    }

    @Test func emptyInputRoundTrips() throws {
        let compressed = try Zstd.compress([])
        #expect(try Zstd.decompress(compressed) == [])
    }

    @Test func rejectsCorruptInput() throws {
        var compressed = try Zstd.compress(Array(String(repeating: "abcdef", count: 1000).utf8))
        compressed[compressed.count / 2] ^= 0xFF
        compressed[4] ^= 0x55
        #expect(throws: ZstdError.self) { try Zstd.decompress(compressed) }
        #expect(throws: ZstdError.self) { try Zstd.decompress([1, 2, 3, 4, 5, 6, 7, 8]) }
    }

    @Test func rejectsTruncatedInput() throws {
        let compressed = try Zstd.compress(Array(String(repeating: "0123456789", count: 10_000).utf8))
        #expect(throws: ZstdError.self) { try Zstd.decompress(Array(compressed.prefix(compressed.count - 3))) }
    }
}
