/// An exact decimal of any length, for summing the amounts of results the API split in two:
/// the digits are kept as they are (no 38-digit `Decimal`, never a `Double`).
///
/// Value = (negative ? -1 : 1) × digits × 10^exponent, `digits` most significant first.
public struct DecimalText: Sendable, Equatable {
    /// Exponents beyond this are refused: PostgreSQL's `numeric` holds at most 131,072 digits
    /// before the point and 16,383 after, and no amount comes near.
    static let exponentLimit = 16_383
    /// PostgreSQL refuses `e` exponents beyond this (NUMERIC_MAX_PRECISION).
    static let writtenExponentLimit = 1_000

    private var negative: Bool
    private var digits: [UInt8]
    private var exponent: Int

    /// Parses JSON number text (`-12.50`, `1.25e-05`, `3E+2`); nil for anything else.
    public init?(_ text: String) {
        var bytes = Substring(text).utf8[...]
        negative = bytes.first == UInt8(ascii: "-")
        if negative { bytes = bytes.dropFirst() }
        digits = []
        var fractionDigits = 0
        var seenDot = false
        while let byte = bytes.first, byte != UInt8(ascii: "e"), byte != UInt8(ascii: "E") {
            bytes = bytes.dropFirst()
            if byte == UInt8(ascii: ".") {
                guard !seenDot else { return nil }
                seenDot = true
                continue
            }
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            digits.append(byte - UInt8(ascii: "0"))
            if seenDot { fractionDigits += 1 }
        }
        guard !digits.isEmpty, digits.count <= Self.exponentLimit else { return nil }
        var written = 0
        if !bytes.isEmpty {
            bytes = bytes.dropFirst()
            var exponentNegative = false
            if let sign = bytes.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
                exponentNegative = sign == UInt8(ascii: "-")
                bytes = bytes.dropFirst()
            }
            guard !bytes.isEmpty else { return nil }
            for byte in bytes {
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                written = written * 10 + Int(byte - UInt8(ascii: "0"))
                guard written <= Self.exponentLimit else { return nil }
            }
            if exponentNegative { written = -written }
        }
        exponent = written - fractionDigits
        // What PostgreSQL's numeric input accepts of this text (the text is what is sent): an
        // exponent of at most 1000, at most 16,383 digits after the point, 131,072 before it.
        guard abs(written) <= Self.writtenExponentLimit, fractionDigits - written <= Self.exponentLimit,
              digits.count - fractionDigits + written <= 131_072 else { return nil }
        normalize()
    }

    private init(negative: Bool, digits: [UInt8], exponent: Int) {
        self.negative = negative
        self.digits = digits
        self.exponent = exponent
        normalize()
    }

    /// Leading zeros dropped, trailing zeros moved into the exponent, zero never negative.
    private mutating func normalize() {
        let firstNonZero = digits.firstIndex { $0 != 0 } ?? digits.count
        digits.removeFirst(firstNonZero)
        while let last = digits.last, last == 0 { digits.removeLast(); exponent += 1 }
        if digits.isEmpty { negative = false; exponent = 0 }
    }

    /// The digits aligned to `exponent` (which must not exceed the value's own).
    private func aligned(to target: Int, length: Int) -> [UInt8] {
        let padded = digits + [UInt8](repeating: 0, count: exponent - target)
        return [UInt8](repeating: 0, count: length - padded.count) + padded
    }

    private static func compareMagnitude(_ a: [UInt8], _ b: [UInt8]) -> Int {
        for (x, y) in zip(a, b) where x != y { return x < y ? -1 : 1 }
        return 0
    }

    public static func + (lhs: DecimalText, rhs: DecimalText) -> DecimalText {
        let target = min(lhs.exponent, rhs.exponent)
        let length = max(lhs.digits.count + lhs.exponent, rhs.digits.count + rhs.exponent) - target + 1
        let a = lhs.aligned(to: target, length: length), b = rhs.aligned(to: target, length: length)
        var result = [UInt8](repeating: 0, count: length)
        if lhs.negative == rhs.negative {
            var carry: UInt8 = 0
            for i in stride(from: length - 1, through: 0, by: -1) {
                let sum = a[i] + b[i] + carry
                result[i] = sum % 10
                carry = sum / 10
            }
            return DecimalText(negative: lhs.negative, digits: result, exponent: target)
        }
        // Different signs: the larger magnitude less the smaller, with the larger one's sign.
        let order = compareMagnitude(a, b)
        if order == 0 { return DecimalText(negative: false, digits: [], exponent: 0) }
        let (big, small, negative) = order > 0 ? (a, b, lhs.negative) : (b, a, rhs.negative)
        var borrow: UInt8 = 0
        for i in stride(from: length - 1, through: 0, by: -1) {
            let subtrahend = small[i] + borrow
            if big[i] >= subtrahend {
                result[i] = big[i] - subtrahend
                borrow = 0
            } else {
                result[i] = big[i] + 10 - subtrahend
                borrow = 1
            }
        }
        return DecimalText(negative: negative, digits: result, exponent: target)
    }

    /// Plain decimal text, no exponent, no superfluous zeros: valid `numeric` input.
    public var text: String {
        guard !digits.isEmpty else { return "0" }
        var out = negative ? "-" : ""
        let characters = digits.map { Character(Unicode.Scalar($0 + UInt8(ascii: "0"))) }
        if exponent >= 0 {
            out += String(characters) + String(repeating: "0", count: exponent)
        } else {
            let whole = digits.count + exponent
            if whole > 0 {
                out += String(characters[..<whole]) + "." + String(characters[whole...])
            } else {
                out += "0." + String(repeating: "0", count: -whole) + String(characters)
            }
        }
        return out
    }
}
