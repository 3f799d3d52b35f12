import Digest
import Foundation
import Testing

@Suite("SHA-256")
struct SHA256Tests {
    func hex<Bytes: Collection>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 { SHA256.hex(bytes) }

    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ])
    func knownVectors(input: String, digest: String) {
        #expect(SHA256.hex(Array(input.utf8)) == digest)
    }

    @Test func millionAs() {
        let digest = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        #expect(hex([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)) == digest)
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
        #expect(hex(bytes) == digest)
        #expect(SHA256.hex(bytes[...]) == digest, "an ArraySlice hashes like the array")
    }

    @Test func hasherInPiecesMatchesOneShot() {
        let message = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) }
        let expected = SHA256.hash(message)
        for pieces in [[1], [63, 1, 64, 129], [1000], [5, 7, 11, 4096], [10_000]] {
            let hasher = SHA256.Hasher()
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

    /// HMAC-SHA-256 test cases 1, 2 and 6 of RFC 4231 (a key longer than the block is hashed first).
    @Test(arguments: [
        ([UInt8](repeating: 0x0b, count: 20), Array("Hi There".utf8),
         "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
        (Array("Jefe".utf8), Array("what do ya want for nothing?".utf8),
         "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
        ([UInt8](repeating: 0xaa, count: 131), Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
         "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
    ])
    func hmacVectors(key: [UInt8], message: [UInt8], digest: String) {
        #expect(SHA256.hexString(SHA256.hmac(key: key, message: message)) == digest)
    }

    @Test func hmacOfAnEmptyKeyAndMessage() {
        #expect(SHA256.hexString(SHA256.hmac(key: [], message: [])) == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad")
    }
}
