/// A decimal number in the form PostgreSQL's `numeric` takes in binary COPY: base-10,000 digits
/// (most significant first, no leading or trailing zero digit), the power of 10,000 of the first,
/// the sign, and the display scale (digits after the point when shown).
///
/// Made from number text exactly as PostgreSQL's text input reads it, so a value sent in binary
/// equals the one its text would have given, display scale included: `12.50` keeps scale 2,
/// `1.5e-7` has scale 8, `1.5e3` scale 0, and zero is never negative.
public struct NumericBinary: Equatable, Sendable {
    public var negative: Bool
    public var weight: Int16
    public var displayScale: Int16
    public var digits: [Int16]

    /// Largest display scale the format carries (NUMERIC_DSCALE_MASK).
    static let maxDisplayScale = 0x3FFF

    /// Parses `-?digits(.digits)?([eE][+-]?digits)?`; nil for other text and for values beyond
    /// what the binary form holds.
    public init?(_ text: String) {
        var decimal: [UInt8] = []
        var fractionDigits = 0
        var sign = false
        var exponent = 0
        var seenDigit = false
        var part = 0 // 0: integer part, 1: fraction, 2: exponent
        var exponentSign = 1
        var exponentDigits = 0
        for (offset, byte) in text.utf8.enumerated() {
            switch byte {
            case UInt8(ascii: "-") where offset == 0:
                sign = true
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                let digit = byte - UInt8(ascii: "0")
                if part == 2 {
                    exponent = exponent * 10 + Int(digit)
                    exponentDigits += 1
                    guard exponent <= 100_000 else { return nil }
                } else {
                    decimal.append(digit)
                    seenDigit = true
                    if part == 1 { fractionDigits += 1 }
                }
            case UInt8(ascii: ".") where part == 0:
                part = 1
            case UInt8(ascii: "e"), UInt8(ascii: "E"):
                guard part < 2, seenDigit else { return nil }
                part = 2
            case UInt8(ascii: "+") where part == 2 && exponentDigits == 0,
                 UInt8(ascii: "-") where part == 2 && exponentDigits == 0:
                exponentSign = byte == UInt8(ascii: "-") ? -1 : 1
            default:
                return nil
            }
        }
        guard seenDigit, part < 2 || exponentDigits > 0 else { return nil }
        exponent *= exponentSign
        // The display scale, as PostgreSQL's input computes it: the fraction's digits less the exponent.
        let scale = max(0, fractionDigits - exponent)
        guard scale <= Self.maxDisplayScale else { return nil }
        // The point sits after `point` of the digits (it may lie before the first or past the last).
        var point = decimal.count - fractionDigits + exponent
        let firstNonZero = decimal.firstIndex { $0 != 0 } ?? decimal.count
        let lastNonZero = decimal.lastIndex { $0 != 0 }
        guard let lastNonZero else {
            self.init(negative: false, weight: 0, displayScale: Int16(scale), digits: [])
            return
        }
        // Every digit shows: the scale counts all digits after the point (fraction less exponent).
        let significant = Array(decimal[firstNonZero...lastNonZero])
        point -= firstNonZero
        self.init(negative: sign, point: point, significant: significant, scale: scale)
    }

    private init?(negative: Bool, point: Int, significant: [UInt8], scale: Int) {
        // The first digit's power of ten is point - 1; its base-10,000 group's power is that over 4.
        let firstPower = point - 1
        let weight = firstPower >= 0 ? firstPower / 4 : -((-firstPower + 3) / 4)
        let lead = 3 - (firstPower - 4 * weight)
        var padded = [UInt8](repeating: 0, count: lead) + significant
        padded += [UInt8](repeating: 0, count: (4 - padded.count % 4) % 4)
        guard let narrowWeight = Int16(exactly: weight), padded.count / 4 <= Int(Int16.max) else { return nil }
        var digits: [Int16] = []
        digits.reserveCapacity(padded.count / 4)
        var i = 0
        while i < padded.count {
            digits.append(Int16(padded[i]) * 1000 + Int16(padded[i + 1]) * 100 + Int16(padded[i + 2]) * 10 + Int16(padded[i + 3]))
            i += 4
        }
        self.init(negative: negative, weight: narrowWeight, displayScale: Int16(scale), digits: digits)
    }

    init(negative: Bool, weight: Int16, displayScale: Int16, digits: [Int16]) {
        self.negative = negative
        self.weight = weight
        self.displayScale = displayScale
        self.digits = digits
    }
}
