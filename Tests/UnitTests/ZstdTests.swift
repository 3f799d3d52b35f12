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

    /// About 3 MiB of varied JSON-like text, many times the streams' internal chunk sizes.
    static let large: [UInt8] = {
        var text = ""
        for i in 0..<40_000 { text += #"{"start_time":\#(i * 3600),"tokens":\#(i &* 7919 % 100_003),"model":"m\#(i % 17)"},"# }
        return Array(text.utf8)
    }()

    func streamedOut(_ compressed: [UInt8]) throws -> [UInt8] {
        let decompressor = try ZstdDecompressor(compressed)
        var out: [UInt8] = []
        while try decompressor.next({ out.append(contentsOf: $0) }) {}
        #expect(decompressor.outputBytes == out.count)
        return out
    }

    @Test(arguments: [1, 1000, 65_536, 4_000_000])
    func streamingRoundTripsInPieces(piece: Int) throws {
        let compressor = try ZstdCompressor(level: 3)
        var offset = 0
        while offset < Self.large.count {
            let end = min(Self.large.count, offset + piece)
            try Self.large[offset..<end].withUnsafeBytes { try compressor.append($0) }
            offset = end
        }
        let frame = try compressor.finish()
        #expect(compressor.inputBytes == Self.large.count)
        #expect(frame.count < Self.large.count / 4)
        #expect(try Zstd.decompress(frame) == Self.large, "one-shot decompression reads a streamed frame")
        #expect(try streamedOut(frame) == Self.large)
        #expect(try streamedOut(Zstd.compress(Self.large)) == Self.large)
    }

    @Test func streamingRefusesTruncatedAndCorruptFrames() throws {
        let frame = try Zstd.compress(Self.large)
        for cut in [frame.count - 1, frame.count / 2, 20] {
            #expect(throws: ZstdError.self) { try streamedOut(Array(frame.prefix(cut))) }
        }
        var corrupt = frame
        corrupt[frame.count / 2] ^= 0xFF
        corrupt[frame.count / 3] ^= 0x55
        #expect(throws: ZstdError.self) { try streamedOut(corrupt) }
        #expect(throws: ZstdError.self) { try ZstdDecompressor([]) }
    }
}
