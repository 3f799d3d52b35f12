import CSHA256

/// SHA-256 (FIPS 180-4), for archive content addresses and migration checksums. Blocks are
/// compressed on the CPU's SHA extensions where it has them (x86-64 SHA-NI, about 6x faster), else
/// by the portable rounds below; both give the same digests.
public enum SHA256 {
    /// Whether blocks go to the CPU's SHA instructions, decided once per process.
    static let accelerated = usage_etl_sha256_accelerated() == 1

    /// The round constants, from the one table in CSHA256.
    private static let k: [UInt32] = {
        var k = [UInt32](repeating: 0, count: 64)
        usage_etl_sha256_round_constants(&k)
        return k
    }()

    /// The 32-byte digest of `message`. Whole blocks are read in place; only the padded tail is copied.
    public static func hash<Bytes: Collection>(_ message: Bytes) -> [UInt8] where Bytes.Element == UInt8 {
        hash(message, accelerated: accelerated)
    }

    /// The digest of `message` by the chosen block function (tests compare the two).
    static func hash<Bytes: Collection>(_ message: Bytes, accelerated: Bool) -> [UInt8] where Bytes.Element == UInt8 {
        var hasher = Hasher(accelerated: accelerated)
        if message.withContiguousStorageIfAvailable({ hasher.update(UnsafeRawBufferPointer($0)) }) == nil {
            Array(message).withUnsafeBytes { hasher.update($0) }
        }
        return hasher.finalize()
    }

    /// The digest of a message that arrives in pieces: `update` with each, then `finalize`.
    public struct Hasher {
        private var state: State
        /// Bytes of an incomplete block, fewer than 64.
        private var pending: [UInt8] = []
        private var length = 0

        public init() { self.init(accelerated: SHA256.accelerated) }

        init(accelerated: Bool) { state = State(accelerated: accelerated) }

        public mutating func update(_ bytes: UnsafeRawBufferPointer) {
            length += bytes.count
            var rest = bytes.bindMemory(to: UInt8.self)[...]
            if !pending.isEmpty {
                let take = min(64 - pending.count, rest.count)
                pending.append(contentsOf: rest.prefix(take))
                rest = rest.dropFirst(take)
                guard pending.count == 64 else { return }
                pending.withUnsafeBufferPointer { state.compress($0.baseAddress!, blocks: 1) }
                pending.removeAll(keepingCapacity: true)
            }
            let whole = rest.count / 64
            if whole > 0, let base = rest.base.baseAddress {
                state.compress(base + rest.startIndex, blocks: whole)
                rest = rest.dropFirst(whole * 64)
            }
            pending.append(contentsOf: rest)
        }

        /// The 32-byte digest of everything passed to `update`.
        public func finalize() -> [UInt8] {
            var state = self.state
            // The tail, 0x80, zeros, and the length in bits fill one or two last blocks.
            var tail = pending
            tail.append(0x80)
            while tail.count % 64 != 56 { tail.append(0) }
            let bitLength = UInt64(length) &* 8
            for shift in stride(from: 56, through: 0, by: -8) { tail.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift))) }
            tail.withUnsafeBufferPointer { state.compress($0.baseAddress!, blocks: $0.count / 64) }
            var digest: [UInt8] = []
            digest.reserveCapacity(32)
            for word in state.words { for shift in stride(from: 24, through: 0, by: -8) { digest.append(UInt8(truncatingIfNeeded: word >> UInt32(shift))) } }
            return digest
        }
    }

    private struct State {
        var words: [UInt32] = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]
        let accelerated: Bool

        mutating func compress(_ data: UnsafePointer<UInt8>, blocks: Int) {
            if accelerated {
                usage_etl_sha256_blocks(&words, data, blocks)
                return
            }
            let w = UnsafeMutablePointer<UInt32>.allocate(capacity: 64)
            defer { w.deallocate() }
            words = SHA256.k.withUnsafeBufferPointer { k in
                State.rounds(words, data, blocks, w, k.baseAddress!)
            }
        }

        private static func rounds(_ state: [UInt32], _ data: UnsafePointer<UInt8>, _ blocks: Int,
                                   _ w: UnsafeMutablePointer<UInt32>, _ k: UnsafePointer<UInt32>) -> [UInt32] {
            var h0 = state[0], h1 = state[1], h2 = state[2], h3 = state[3], h4 = state[4], h5 = state[5], h6 = state[6], h7 = state[7]
            for block in 0..<blocks {
                let p = data + block * 64
                for i in 0..<16 {
                    let b = p + i * 4
                    w[i] = UInt32(b[0]) << 24 | UInt32(b[1]) << 16 | UInt32(b[2]) << 8 | UInt32(b[3])
                }
                for i in 16..<64 {
                    let x = w[i - 15], y = w[i - 2]
                    let s0 = x.rotr(7) ^ x.rotr(18) ^ (x >> 3)
                    let s1 = y.rotr(17) ^ y.rotr(19) ^ (y >> 10)
                    w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
                }
                var a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, hh = h7
                for i in 0..<64 {
                    let s1 = e.rotr(6) ^ e.rotr(11) ^ e.rotr(25)
                    let ch = (e & f) ^ (~e & g)
                    let t1 = hh &+ s1 &+ ch &+ k[i] &+ w[i]
                    let s0 = a.rotr(2) ^ a.rotr(13) ^ a.rotr(22)
                    let maj = (a & b) ^ (a & c) ^ (b & c)
                    let t2 = s0 &+ maj
                    hh = g; g = f; f = e; e = d &+ t1; d = c; c = b; b = a; a = t1 &+ t2
                }
                h0 &+= a; h1 &+= b; h2 &+= c; h3 &+= d; h4 &+= e; h5 &+= f; h6 &+= g; h7 &+= hh
            }
            return [h0, h1, h2, h3, h4, h5, h6, h7]
        }
    }

    public static func hex<Bytes: Collection>(_ message: Bytes) -> String where Bytes.Element == UInt8 {
        hash(message).map { byte in
            let s = String(byte, radix: 16)
            return byte < 16 ? "0" + s : s
        }.joined()
    }
}

private extension UInt32 {
    func rotr(_ n: UInt32) -> UInt32 { (self >> n) | (self << (32 - n)) }
}
