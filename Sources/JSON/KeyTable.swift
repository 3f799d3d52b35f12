/// Keys a walker looks for, matched against a document's bytes (see `JSONParser.nextKey(in:)`).
public struct KeyTable: Sendable {
    private let keys: [[UInt8]]
    /// Whether each key is written in a document exactly as its bytes (no quote, backslash or
    /// control character that JSON would escape), so it can be matched in place.
    private let plain: [Bool]
    public var count: Int { keys.count }

    public init(_ keys: [String]) {
        self.keys = keys.map { Array($0.utf8) }
        plain = self.keys.map { !$0.contains { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") || $0 < 0x20 } }
    }

    /// No keys: every key is "other", for passing over objects.
    public static let empty = KeyTable([])

    /// The length in bytes of the key at `index` when it is plain (see `plain`), else nil.
    public func plainLength(of index: Int) -> Int? { index >= 0 && index < keys.count && plain[index] ? keys[index].count : nil }

    /// Whether `bytes` are the key at `index` (which must exist).
    public func matches(_ index: Int, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        keys[index].count == bytes.count && keys[index].withUnsafeBufferPointer { table in
            guard let a = table.baseAddress, let b = bytes.baseAddress else { return true }
            return equalBytes(a, b, bytes.count)
        }
    }

    /// The index of `bytes` among the keys, or `count` when absent; `hint` is tried first (a
    /// document whose objects list their keys in the same order hits it every time).
    public func index(of bytes: UnsafeBufferPointer<UInt8>, hint: Int) -> Int {
        if hint >= 0, hint < keys.count, keys[hint].count == bytes.count {
            let equal = keys[hint].withUnsafeBufferPointer { table -> Bool in
                guard let a = table.baseAddress, let b = bytes.baseAddress else { return true }
                return equalBytes(a, b, bytes.count)
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
                return equalBytes(a, b, bytes.count)
            }
            if equal { return i }
        }
        return keys.count
    }
}

/// Whether `count` bytes at `a` and `b` are the same: for the short keys and values a walker
/// compares, eight bytes a step inline is quicker than a call to `memcmp`.
@inline(__always)
func equalBytes(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ count: Int) -> Bool {
    var i = 0
    while i + 8 <= count {
        guard a.loadUnaligned(fromByteOffset: i, as: UInt64.self) == b.loadUnaligned(fromByteOffset: i, as: UInt64.self) else { return false }
        i += 8
    }
    while i < count {
        guard a.load(fromByteOffset: i, as: UInt8.self) == b.load(fromByteOffset: i, as: UInt8.self) else { return false }
        i += 1
    }
    return true
}
