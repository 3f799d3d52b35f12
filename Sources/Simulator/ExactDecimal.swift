/// An exact decimal with 24 fractional digits, for summing cost amounts without rounding.
struct ExactDecimal: Hashable, Sendable {
    static let scale = 24
    private static let unit: Int128 = {
        var u: Int128 = 1
        for _ in 0..<scale { u *= 10 }
        return u
    }()

    var units: Int128

    static let zero = ExactDecimal(units: 0)

    init(units: Int128) { self.units = units }

    /// Parses decimal text such as `0.06375000000000001` or `1.25e-05`.
    init?(_ text: String) {
        var mantissa: Int128 = 0
        var fractionDigits = 0
        var exponent = 0
        var negative = false
        var seenDot = false
        var seenDigit = false
        var chars = Substring(text)
        if chars.first == "-" { negative = true; chars = chars.dropFirst() }
        while let c = chars.first, c != "e", c != "E" {
            chars = chars.dropFirst()
            if c == "." { guard !seenDot else { return nil }; seenDot = true; continue }
            guard let d = c.wholeNumberValue, c.isASCII else { return nil }
            seenDigit = true
            mantissa = mantissa * 10 + Int128(d)
            if seenDot { fractionDigits += 1 }
        }
        guard seenDigit else { return nil }
        if !chars.isEmpty {
            chars = chars.dropFirst()
            guard let e = Int(chars) else { return nil }
            exponent = e
        }
        var shift = Self.scale - fractionDigits + exponent
        var value = mantissa
        while shift > 0 { value *= 10; shift -= 1 }
        while shift < 0 {
            guard value % 10 == 0 else { return nil } // more precision than the scale holds
            value /= 10; shift += 1
        }
        units = negative ? -value : value
    }

    static func + (lhs: ExactDecimal, rhs: ExactDecimal) -> ExactDecimal { ExactDecimal(units: lhs.units + rhs.units) }

    /// Plain decimal text with no exponent and no trailing zeros.
    var text: String {
        let negative = units < 0
        let magnitude = negative ? -units : units
        let whole = magnitude / Self.unit
        var fraction = String(magnitude % Self.unit)
        fraction = String(repeating: "0", count: Self.scale - fraction.count) + fraction
        while fraction.last == "0" { fraction.removeLast() }
        return (negative ? "-" : "") + String(whole) + (fraction.isEmpty ? "" : "." + fraction)
    }
}
