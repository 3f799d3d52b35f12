/// Buffers rows for `COPY … FROM STDIN (FORMAT binary)` and sends them in large chunks.
///
/// The binary format spares the server parsing every field from text (a timestamp's text is the
/// dearest of all): each row is a field count, then each field as its length and the bytes of
/// the type's binary form. The caller writes the fields in the table's column order with the
/// method matching each column's type; a mismatch is refused by the server for the whole COPY.
public struct BinaryCopyWriter: ~Copyable {
    private let connection: PostgresConnection
    /// Rows are written straight into this memory (a field is a few stores, no array growth
    /// checks); sent when it holds `flushThreshold` bytes, or before a field that would not fit.
    private var buffer: UnsafeMutableRawBufferPointer
    private var count = 0
    private static let flushThreshold = 256 << 10
    /// Microseconds between the Unix epoch and PostgreSQL's (2000-01-01 00:00:00 UTC).
    private static let postgresEpoch: Int64 = 946_684_800

    /// A field the binary format cannot carry: the column's value was out of its type's range.
    public struct Unrepresentable: Error, CustomStringConvertible, Sendable {
        public var type: String
        public var value: String
        public var description: String { "\(value.prefix(60)) cannot be written as a PostgreSQL \(type)" }
    }

    init(connection: PostgresConnection) {
        self.connection = connection
        buffer = .allocate(byteCount: Self.flushThreshold + 4096, alignment: 8)
        // Signature, flags (no OIDs), header extension length.
        let header: [UInt8] = [0x50, 0x47, 0x43, 0x4F, 0x50, 0x59, 0x0A, 0xFF, 0x0D, 0x0A, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]
        buffer.copyBytes(from: header)
        count = header.count
    }

    deinit { buffer.deallocate() }

    /// Starts a row of `fields` fields (at most 1,600, PostgreSQL's column limit).
    public mutating func beginRow(fields: Int) throws {
        if count >= Self.flushThreshold { try flush() }
        try appendBigEndian(Int16(truncatingIfNeeded: fields))
    }

    public mutating func appendNull() throws { try appendBigEndian(Int32(-1)) }

    /// An `integer` field.
    public mutating func append(int32 value: Int) throws {
        guard let narrow = Int32(exactly: value) else { throw Unrepresentable(type: "integer", value: String(value)) }
        try appendBigEndian(Int32(4))
        try appendBigEndian(narrow)
    }

    /// A `bigint` field.
    public mutating func append(int64 value: Int64) throws {
        try appendBigEndian(Int32(8))
        try appendBigEndian(value)
    }

    /// A `bigint` field from its decimal text (a JSON integer already checked to fit 64 bits).
    public mutating func append(int64Text text: String) throws {
        guard let value = Int64(text) else { throw Unrepresentable(type: "bigint", value: text) }
        try append(int64: value)
    }

    /// A `text` field: the UTF-8 bytes as they are (no escaping in this format).
    public mutating func append(text: String) throws {
        var text = text
        try text.withUTF8 { utf8 in
            guard let length = Int32(exactly: utf8.count) else { throw Unrepresentable(type: "text", value: "(\(utf8.count) bytes)") }
            try appendBigEndian(length)
            try append(contentsOf: UnsafeRawBufferPointer(utf8))
        }
    }

    /// A `timestamptz` field from Unix seconds.
    public mutating func append(timestamp unixSeconds: Int64) throws {
        let (shifted, o1) = unixSeconds.subtractingReportingOverflow(Self.postgresEpoch)
        let (micros, o2) = shifted.multipliedReportingOverflow(by: 1_000_000)
        guard !o1, !o2 else { throw Unrepresentable(type: "timestamptz", value: String(unixSeconds)) }
        try appendBigEndian(Int32(8))
        try appendBigEndian(micros)
    }

    /// A `numeric` field from decimal number text (`-12.50`, `1.25e-05`), with the value and the
    /// display scale PostgreSQL's own text input would give it (see `NumericBinary`).
    public mutating func append(numericText text: String) throws {
        guard let numeric = NumericBinary(text) else { throw Unrepresentable(type: "numeric", value: text) }
        try appendBigEndian(Int32(8 + 2 * numeric.digits.count))
        try appendBigEndian(Int16(numeric.digits.count))
        try appendBigEndian(numeric.weight)
        try appendBigEndian(numeric.negative ? UInt16(0x4000) : 0)
        try appendBigEndian(numeric.displayScale)
        for digit in numeric.digits { try appendBigEndian(digit) }
    }

    /// A `bytea` field, sent straight on in chunks when large, so neither this buffer nor
    /// libpq's ever holds it whole.
    public mutating func append(bytes: UnsafeRawBufferPointer) throws {
        guard let length = Int32(exactly: bytes.count) else { throw Unrepresentable(type: "bytea", value: "(\(bytes.count) bytes)") }
        try appendBigEndian(length)
        try append(contentsOf: bytes)
    }

    /// Copies `bytes` into the buffer, or for more than it holds, flushes and sends them in chunks.
    private mutating func append(contentsOf bytes: UnsafeRawBufferPointer) throws {
        if count + bytes.count > buffer.count { try flush() }
        guard bytes.count > buffer.count else {
            if let source = bytes.baseAddress, let target = buffer.baseAddress { (target + count).copyMemory(from: source, byteCount: bytes.count) }
            count += bytes.count
            return
        }
        var offset = 0
        while offset < bytes.count {
            let end = min(offset + Self.flushThreshold, bytes.count)
            try connection.putCopyData(UnsafeRawBufferPointer(rebasing: bytes[offset..<end]), statement: "COPY")
            offset = end
        }
    }

    /// Writes the trailer and sends what is buffered; called once by `copyIn(binary:)`.
    mutating func finish() throws {
        try appendBigEndian(Int16(-1))
        try flush()
    }

    private mutating func flush() throws {
        guard count > 0 else { return }
        try connection.putCopyData(UnsafeRawBufferPointer(rebasing: buffer[0..<count]), statement: "COPY")
        count = 0
    }

    /// Stores one integer (a length, a field's value), flushing first when the buffer is full.
    private mutating func appendBigEndian<T: FixedWidthInteger>(_ value: T) throws {
        if count + MemoryLayout<T>.size > buffer.count { try flush() }
        buffer.storeBytes(of: value.bigEndian, toByteOffset: count, as: T.self)
        count += MemoryLayout<T>.size
    }
}
