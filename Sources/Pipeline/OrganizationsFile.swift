/// An organizations file (`--organizations FILE`): the organizations one run loads into the same
/// warehouse, each read with its own admin key.
///
/// ```toml
/// [[organizations]]
/// name = "Acme Research"                      # display name, shown beside the id in analytics views
/// id = "org-abc123"                           # optional: else asked of the API once, then remembered
/// admin_key_file = "/etc/usage-etl/acme.key"  # the key: a file holding it ...
///
/// [[organizations]]
/// name = "Acme Labs"
/// admin_key_env = "ACME_LABS_ADMIN_KEY"       # ... or an environment variable holding it
/// requests_per_minute = 120                   # optional: this organization's own cap
/// ```
///
/// The file names where keys are, never the keys: a key written into it is refused (without
/// repeating it), and errors name the file, the entry and the key, not a key's text.
public struct OrganizationsFile: Sendable, Equatable {
    /// Where an organization's admin key is read from.
    public enum KeySource: Sendable, Equatable, CustomStringConvertible {
        case file(String)
        case environment(String)

        public var description: String {
            switch self {
            case .file(let path): "admin_key_file \(path)"
            case .environment(let name): "admin_key_env \(name)"
            }
        }
    }

    /// One organization of the file.
    public struct Entry: Sendable, Equatable {
        public var name: String
        public var id: String?
        public var key: KeySource
        public var requestsPerMinute: Int?

        public init(name: String, id: String?, key: KeySource, requestsPerMinute: Int?) {
            (self.name, self.id, self.key, self.requestsPerMinute) = (name, id, key, requestsPerMinute)
        }
    }

    /// A file that cannot be used, with where and why.
    public struct Invalid: Error, CustomStringConvertible {
        public var source: String
        public var reason: String
        public var description: String { "organizations file \(source): \(reason)" }
    }

    public var entries: [Entry]

    static let entryKeys: Set<String> = ["name", "id", "admin_key_file", "admin_key_env", "requests_per_minute"]

    /// Parses and validates the file's text; `source` names it in errors (its path).
    public init(toml text: String, source: String) throws {
        func invalid(_ reason: String) -> Invalid { Invalid(source: source, reason: reason) }
        let table: TOMLTable
        do { table = try TOMLTable(parsing: text) } catch {
            // The syntax error names line and column only: the file is not echoed.
            throw invalid("not valid TOML at \(error)")
        }
        for key in table.keys where key != "organizations" {
            throw invalid("unknown key '\(key.prefix(40))' (the file holds [[organizations]] entries only)")
        }
        guard let list = table["organizations"]?.array else {
            throw invalid("no [[organizations]] entries")
        }
        var entries: [Entry] = []
        for (index, element) in list.enumerated() {
            let context = "organizations[\(index)]"
            guard let entry = element.table else { throw invalid("\(context) must be a table") }
            for key in entry.keys where !Self.entryKeys.contains(key) {
                if key.lowercased().contains("key") && !key.hasPrefix("admin_key_") {
                    throw invalid("\(context).\(key.prefix(40)): keys are not written into this file (its value is not shown); use admin_key_file or admin_key_env")
                }
                throw invalid("unknown key '\(context).\(key.prefix(40))' (known: \(Self.entryKeys.sorted().joined(separator: ", ")))")
            }
            func text(_ key: String) throws -> String? {
                guard let value = entry[key] else { return nil }
                guard let string = value.string else { throw invalid("\(context).\(key) must be a string") }
                guard !string.isEmpty, string.count <= 256, !string.contains(where: { $0.isNewline || $0 == "\0" }) else {
                    throw invalid("\(context).\(key) must be one non-empty line of at most 256 characters")
                }
                return string
            }
            guard let name = try text("name") else { throw invalid("\(context).name is required (the display name)") }
            let id = try text("id")
            if let id, !id.hasPrefix("org-") || id.contains(where: { $0.isWhitespace }) {
                throw invalid("\(context).id '\(id.prefix(60))' is not an organization id (org-…)")
            }
            let key: KeySource
            switch (try text("admin_key_file"), try text("admin_key_env")) {
            case (let path?, nil): key = .file(path)
            case (nil, let variable?):
                guard variable.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
                    throw invalid("\(context).admin_key_env '\(variable.prefix(60))' is not an environment variable name")
                }
                key = .environment(variable)
            case (nil, nil): throw invalid("\(context) (\(name)) needs admin_key_file or admin_key_env")
            case (_?, _?): throw invalid("\(context) (\(name)) gives both admin_key_file and admin_key_env; give one")
            }
            var requestsPerMinute: Int?
            if let value = entry["requests_per_minute"] {
                guard let number = value.int, (1...100_000).contains(number) else {
                    throw invalid("\(context).requests_per_minute must be an integer between 1 and 100000")
                }
                requestsPerMinute = number
            }
            if entries.contains(where: { $0.name == name }) { throw invalid("\(context): the name '\(name)' is given twice") }
            if let id, entries.contains(where: { $0.id == id }) { throw invalid("\(context): the id \(id) is given twice") }
            if entries.contains(where: { $0.key == key }) { throw invalid("\(context): \(key) is given twice") }
            entries.append(Entry(name: name, id: id, key: key, requestsPerMinute: requestsPerMinute))
        }
        guard !entries.isEmpty else { throw invalid("no [[organizations]] entries") }
        self.entries = entries
    }
}
