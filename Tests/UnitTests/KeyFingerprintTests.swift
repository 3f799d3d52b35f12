import Testing
import Warehouse

/// The key fingerprint in etl.key_organizations must not change between versions: a key loaded by
/// an older usage-etl has to be recognised by a newer one.
@Suite("Key fingerprint")
struct KeyFingerprintTests {
    /// Salt and fingerprint as 9e23818 wrote them into a warehouse (etl.fingerprint_salt, etl.key_organizations).
    @Test func matchesWhatEarlierVersionsStored() {
        let salt = hexBytes("a9565428fd1c3cf817aa3c5445020a9a6f04755833980c11633f7f143a6c35cd")
        #expect(OrganizationRegistry.fingerprint(salt: salt, key: "sk-admin-simulator-key")
                == "46bc08e86b67c28f20306e3e928427141e921cb2f0ccbd836a7874b01e08ed16")
    }

    func hexBytes(_ text: String) -> [UInt8] {
        let digits = Array(text.utf8)
        return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(decoding: digits[$0..<$0 + 2], as: UTF8.self), radix: 16)! }
    }
}
