/// Buffers rows for `COPY … FROM STDIN` in PostgreSQL's text format and sends them in large chunks.
public struct CopyWriter: ~Copyable {
    private let connection: PostgresConnection
    private var buffer: [UInt8] = []
    private static let flushThreshold = 256 << 10

    init(connection: PostgresConnection) {
        self.connection = connection
        buffer.reserveCapacity(Self.flushThreshold + 4096)
    }

    /// Appends one row; `nil` fields become `\N`. Text is escaped as COPY's text format requires.
    public mutating func writeRow(_ fields: [String?]) throws {
        for (index, field) in fields.enumerated() {
            if index > 0 { buffer.append(0x09) }
            guard let field else {
                buffer.append(0x5C); buffer.append(UInt8(ascii: "N"))
                continue
            }
            appendEscaped(field)
        }
        buffer.append(0x0A)
        if buffer.count >= Self.flushThreshold { try flush() }
    }

    /// Appends one field's text (escaped) followed by a tab, for callers that build rows field by field.
    public mutating func appendField(_ field: String?) {
        if let field { appendEscaped(field) } else { buffer.append(0x5C); buffer.append(UInt8(ascii: "N")) }
        buffer.append(0x09)
    }

    /// Appends one integer field followed by a tab (digits never need escaping).
    public mutating func appendField(_ value: Int) {
        buffer.append(contentsOf: String(value).utf8)
        buffer.append(0x09)
    }

    /// Ends a row built with `appendField`, replacing the trailing tab with a newline.
    public mutating func endRow() throws {
        if buffer.last == 0x09 { buffer[buffer.count - 1] = 0x0A } else { buffer.append(0x0A) }
        if buffer.count >= Self.flushThreshold { try flush() }
    }

    private mutating func appendEscaped(_ field: String) {
        var field = field
        // Most fields need no escaping: copied whole.
        let copied = field.withUTF8 { utf8 in
            guard !utf8.contains(where: { $0 == 0x5C || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) else { return false }
            buffer.append(contentsOf: utf8)
            return true
        }
        if copied { return }
        for byte in field.utf8 {
            switch byte {
            case 0x5C: buffer.append(0x5C); buffer.append(0x5C)
            case 0x09: buffer.append(0x5C); buffer.append(UInt8(ascii: "t"))
            case 0x0A: buffer.append(0x5C); buffer.append(UInt8(ascii: "n"))
            case 0x0D: buffer.append(0x5C); buffer.append(UInt8(ascii: "r"))
            default: buffer.append(byte)
            }
        }
    }

    /// Appends bytes as they are (for `COPY … (FORMAT binary)`, whose framing the caller writes),
    /// sending large ones straight on in chunks, so neither this buffer nor libpq's ever holds them whole.
    public mutating func writeRaw(_ bytes: UnsafeRawBufferPointer) throws {
        guard bytes.count >= Self.flushThreshold else {
            buffer.append(contentsOf: bytes)
            if buffer.count >= Self.flushThreshold { try flush() }
            return
        }
        try flush()
        var offset = 0
        while offset < bytes.count {
            let end = min(offset + Self.rawChunk, bytes.count)
            try connection.putCopyData(UnsafeRawBufferPointer(rebasing: bytes[offset..<end]), statement: "COPY")
            offset = end
        }
    }

    private static let rawChunk = 256 << 10

    mutating func flush() throws {
        guard !buffer.isEmpty else { return }
        try buffer.withUnsafeBytes { try connection.putCopyData($0, statement: "COPY") }
        buffer.removeAll(keepingCapacity: true)
    }
}
