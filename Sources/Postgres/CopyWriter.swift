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

    mutating func flush() throws {
        guard !buffer.isEmpty else { return }
        try buffer.withUnsafeBytes { try connection.putCopyData($0, statement: "COPY") }
        buffer.removeAll(keepingCapacity: true)
    }
}
