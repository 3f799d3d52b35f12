import CLibCrypto

/// SHA-256 and HMAC-SHA-256 from OpenSSL's libcrypto, which uses the CPU's SHA instructions
/// where it has them. The one thin Swift layer over libcrypto.
public enum SHA256 {
    public static let byteCount = 32

    /// libcrypto could not give SHA-256 (an OpenSSL configuration, `OPENSSL_CONF`, that loads no
    /// provider offering it).
    public struct Unavailable: Error, CustomStringConvertible {
        public var description: String {
            "OpenSSL's libcrypto offers no SHA-256 (check OPENSSL_CONF and the providers it loads)"
        }
    }

    /// Checks once, at start-up, that libcrypto gives SHA-256 and HMAC-SHA-256, so the traps below
    /// can only be reached when memory runs out: the configuration cannot change later in the process.
    public static func checkAvailable() throws {
        guard let context = EVP_MD_CTX_new() else { throw Unavailable() }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestInit_ex(context, EVP_sha256(), nil) == 1 else { throw Unavailable() }
        var out = [UInt8](repeating: 0, count: byteCount)
        var length: UInt32 = 0
        let key: [UInt8] = [0]
        let done = key.withUnsafeBufferPointer { k in
            out.withUnsafeMutableBufferPointer { HMAC(EVP_sha256(), k.baseAddress, 1, k.baseAddress, 1, $0.baseAddress, &length) != nil }
        }
        guard done, length == UInt32(byteCount) else { throw Unavailable() }
    }

    /// The digest of `message`.
    public static func hash<Bytes: Collection>(_ message: Bytes) -> [UInt8] where Bytes.Element == UInt8 {
        let hasher = Hasher()
        hasher.update(message)
        return hasher.finalize()
    }

    /// The digest of `message` as lowercase hex.
    public static func hex<Bytes: Collection>(_ message: Bytes) -> String where Bytes.Element == UInt8 {
        hexString(hash(message))
    }

    /// HMAC-SHA-256 (RFC 2104) of `message` under `key`.
    public static func hmac(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: byteCount)
        var length: UInt32 = 0
        let done = key.withUnsafeBufferPointer { k in
            message.withUnsafeBufferPointer { m in
                out.withUnsafeMutableBufferPointer { o in
                    // A non-null key pointer even for an empty key: OpenSSL treats NULL as "reuse the previous key".
                    withUnsafePointer(to: UInt8(0)) { empty in
                        HMAC(EVP_sha256(), UnsafeRawPointer(k.baseAddress ?? empty), Int32(clamping: k.count),
                             m.baseAddress ?? empty, m.count, o.baseAddress, &length) != nil
                    }
                }
            }
        }
        // Fails only when OpenSSL cannot allocate: not an input error, and nothing sensible to return.
        guard done, length == UInt32(byteCount) else { fatalError("libcrypto: HMAC-SHA-256 failed (out of memory)") }
        return out
    }

    public static func hexString(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// An incremental digest over bytes that arrive in pieces. Not `Sendable`: it owns an OpenSSL
    /// digest context, used by one thread at a time.
    public final class Hasher {
        private let context: OpaquePointer

        public init() {
            // Both fail only when OpenSSL cannot allocate, which no input can cause.
            guard let context = EVP_MD_CTX_new() else { fatalError("libcrypto: EVP_MD_CTX_new failed (out of memory)") }
            guard EVP_DigestInit_ex(context, EVP_sha256(), nil) == 1 else { fatalError("libcrypto: SHA-256 unavailable") }
            self.context = context
        }

        deinit { EVP_MD_CTX_free(context) }

        public func update(_ bytes: UnsafeRawBufferPointer) {
            guard let base = bytes.baseAddress, bytes.count > 0 else { return }
            _ = EVP_DigestUpdate(context, base, bytes.count)
        }

        public func update<Bytes: Collection>(_ bytes: Bytes) where Bytes.Element == UInt8 {
            if bytes.withContiguousStorageIfAvailable({ update(UnsafeRawBufferPointer($0)) }) != nil { return }
            Array(bytes).withUnsafeBytes { update($0) }
        }

        /// The digest of everything passed to `update`; call once.
        public func finalize() -> [UInt8] {
            var out = [UInt8](repeating: 0, count: SHA256.byteCount)
            var length: UInt32 = 0
            let done = out.withUnsafeMutableBufferPointer { EVP_DigestFinal_ex(context, $0.baseAddress, &length) == 1 }
            guard done, length == UInt32(SHA256.byteCount) else { fatalError("libcrypto: SHA-256 finalization failed") }
            return out
        }
    }
}
