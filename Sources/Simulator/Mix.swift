/// Deterministic hashing for the synthetic organisation: the same inputs always give the same draw.
enum Mix {
    static func hash(_ values: UInt64...) -> UInt64 {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for value in values { state = splitmix(state ^ value) }
        return state
    }

    static func splitmix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform draw in [0, 1).
    static func unit(_ values: UInt64...) -> Double {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for value in values { state = splitmix(state ^ value) }
        return Double(state >> 11) / Double(1 << 53)
    }

    static func string(_ text: String) -> UInt64 { bytes(text.utf8) }

    /// FNV-1a of a byte sequence.
    static func bytes<Bytes: Sequence>(_ bytes: Bytes) -> UInt64 where Bytes.Element == UInt8 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes { h = (h ^ UInt64(byte)) &* 0x100_0000_01B3 }
        return h
    }
}
