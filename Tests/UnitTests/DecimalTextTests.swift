import Foundation
import Testing
import UsageAPI

@Suite("Exact decimal sums")
struct DecimalTextTests {
    @Test(arguments: [
        ("0.1", "0.2", "0.3"),
        ("10.00", "7.00", "17"),
        ("-1.5", "1.5", "0"),
        ("-1.5", "0.25", "-1.25"),
        ("1.25e-05", "1E+2", "100.0000125"),
        ("99999999999999999999999999999999999999999", "1", "100000000000000000000000000000000000000000"),
        ("1234567890123456789012345678901234567890.123456789", "0.000000001", "1234567890123456789012345678901234567890.12345679"),
        ("0.06375000000000001", "0", "0.06375000000000001"),
        ("-0", "-0.0", "0"),
    ])
    func sumsAreExact(a: String, b: String, sum: String) throws {
        let x = try #require(DecimalText(a)), y = try #require(DecimalText(b))
        #expect((x + y).text == sum)
        #expect((y + x).text == sum)
    }

    // PostgreSQL's numeric refuses these texts (exponent over 1000, more than 16,383 digits after the point).
    @Test(arguments: ["", "-", ".", "1..2", "1e", "1e+", "abc", "1e99999999999999999999", "0x10", "1,5", "1e1001", "1.5e-16383", "1e-1001"])
    func invalidTextIsRefused(text: String) {
        #expect(DecimalText(text) == nil)
    }

    /// Against Foundation's Decimal where it is exact (up to 38 digits): random sums agree.
    @Test func agreesWithDecimalWithinItsPrecision() throws {
        var seed: UInt64 = 0x5eed
        func next() -> UInt64 { seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407; return seed >> 33 }
        for _ in 0..<500 {
            let a = "\(next() % 2 == 0 ? "-" : "")\(next() % 1_000_000).\(next() % 1_000_000)"
            let b = "\(next() % 2 == 0 ? "-" : "")\(next() % 1_000_000).\(next() % 10_000)"
            let exact = try #require(DecimalText(a)) + (try #require(DecimalText(b)))
            let reference = Decimal(string: a)! + Decimal(string: b)!
            #expect(Decimal(string: exact.text) == reference, "\(a) + \(b)")
        }
    }
}
