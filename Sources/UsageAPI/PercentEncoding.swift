/// RFC 3986 percent-encoding for the parts of request URLs: every byte of the UTF-8 but the
/// unreserved `A-Za-z0-9-._~` becomes `%XX`, so a value from a flag, a pipeline file or the API
/// can never change a URL's structure (`&`, `=`, `?`, `#`, `/`) or make it invalid.
public enum PercentEncoding {
    public static func encode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            let unreserved = (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "~")
            if unreserved { out.unicodeScalars.append(Unicode.Scalar(byte)) } else { out += "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true) }
        }
        return out
    }

    /// `name=value&…`, each part encoded.
    public static func query(_ items: [(String, String)]) -> String {
        items.map { encode($0.0) + "=" + encode($0.1) }.joined(separator: "&")
    }

    /// `text` as one path segment: encoded, and `.` or `..` spelled so they are not a relative path.
    public static func segment(_ text: String) -> String {
        switch text {
        case ".": "%2E"
        case "..": "%2E%2E"
        default: encode(text)
        }
    }
}
