#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Keys a walker looks for, matched against a document's bytes (see `JSONParser.nextKey(in:)`).
public struct KeyTable: Sendable {
    private let keys: [[UInt8]]
    public var count: Int { keys.count }

    public init(_ keys: [String]) { self.keys = keys.map { Array($0.utf8) } }

    /// No keys: every key is "other", for passing over objects.
    public static let empty = KeyTable([])

    /// The index of `bytes` among the keys, or `count` when absent; `hint` is tried first (a
    /// document whose objects list their keys in the same order hits it every time).
    public func index(of bytes: UnsafeBufferPointer<UInt8>, hint: Int) -> Int {
        if hint >= 0, hint < keys.count, keys[hint].count == bytes.count {
            let equal = keys[hint].withUnsafeBufferPointer { table -> Bool in
                guard let a = table.baseAddress, let b = bytes.baseAddress else { return true }
                return memcmp(a, b, bytes.count) == 0
            }
            if equal { return hint }
        }
        return index(of: bytes)
    }

    /// The index of `bytes` among the keys, or `count` when absent.
    public func index(of bytes: UnsafeBufferPointer<UInt8>) -> Int {
        for (i, key) in keys.enumerated() where key.count == bytes.count {
            let equal = key.withUnsafeBufferPointer { table -> Bool in
                guard let a = table.baseAddress, let b = bytes.baseAddress else { return true } // both empty
                return memcmp(a, b, bytes.count) == 0
            }
            if equal { return i }
        }
        return keys.count
    }
}
