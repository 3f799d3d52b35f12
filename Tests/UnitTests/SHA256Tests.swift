import Foundation
import Testing
@testable import Warehouse

@Suite("SHA-256")
struct SHA256Tests {
    /// The block functions this CPU can run: the portable one, and the SHA-instruction one if present.
    static let implementations = SHA256.accelerated ? [false, true] : [false]

    /// The hex digest of `bytes` by each implementation.
    func hexes<Bytes: Collection>(_ bytes: Bytes) -> [String] where Bytes.Element == UInt8 {
        Self.implementations.map { accelerated in
            SHA256.hash(bytes, accelerated: accelerated).map { String(format: "%02x", $0) }.joined()
        }
    }

    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ])
    func knownVectors(input: String, digest: String) {
        #expect(SHA256.hex(Array(input.utf8)) == digest)
        #expect(hexes(Array(input.utf8)) == Self.implementations.map { _ in digest })
    }

    @Test func millionAs() {
        let digest = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        #expect(hexes([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)) == Self.implementations.map { _ in digest })
    }

    /// Lengths around the block and padding boundaries, where the tail takes one or two blocks.
    @Test(arguments: [
        (55, "576a1bf8d4478657e6dc4af9398544765c2a92cde28478b019235cfed315fc09"),
        (56, "9b20501dfd1d99161c257950f3444f3e49230c351c5c8e0943ef369f85f5205d"),
        (63, "30b345906b493f06f69444b6521113511c242f30e29840462950035043682f1e"),
        (64, "d8bc63b4fc1156e5e7d95a418b9bf54cd3174bedbc2db40f74895349b229b3c0"),
        (65, "1ee23b0fbcaecc1aff4a9e8f1645f35ab2c8e13609cd73b68df8b5e3f63ce073"),
        (119, "7a6589821178918ca8d9edaba5abfc1e9b2669564f4469b66885379c1530b2c8"),
        (120, "655250427d56b1b0eeb8497d21428704273458a01772d6881b65c0abac0f8a98"),
    ])
    func blockBoundaries(length: Int, digest: String) {
        let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 * 7) }
        #expect(hexes(bytes) == Self.implementations.map { _ in digest })
        #expect(SHA256.hex(bytes[...]) == digest, "an ArraySlice hashes like the array")
    }

    @Test func hasherInPiecesMatchesOneShot() {
        let message = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) }
        let expected = SHA256.hash(message)
        for pieces in [[1], [63, 1, 64, 129], [1000], [5, 7, 11, 4096], [10_000]] {
            var hasher = SHA256.Hasher()
            var offset = 0, p = 0
            while offset < message.count {
                let end = min(message.count, offset + pieces[p % pieces.count])
                message[offset..<end].withUnsafeBytes { hasher.update($0) }
                offset = end
                p += 1
            }
            #expect(hasher.finalize() == expected, "pieces \(pieces)")
        }
    }

    /// The SHA-instruction blocks agree with the portable ones on every length up to four blocks
    /// and on long random messages fed in random pieces.
    @Test(.enabled(if: SHA256.accelerated, "this CPU has no SHA instructions"))
    func acceleratedBlocksMatchThePortableOnes() {
        var generator = SystemRandomNumberGenerator()
        for length in Array(0...260) + (0..<20).map({ _ in Int.random(in: 1_000...200_000, using: &generator) }) {
            let message = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let portable = SHA256.hash(message, accelerated: false)
            var hasher = SHA256.Hasher(accelerated: true)
            var offset = 0
            while offset < message.count {
                let end = min(message.count, offset + Int.random(in: 1...70_000, using: &generator))
                message[offset..<end].withUnsafeBytes { hasher.update($0) }
                offset = end
            }
            #expect(hasher.finalize() == portable, "length \(length)")
        }
    }
}
