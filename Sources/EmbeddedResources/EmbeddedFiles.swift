/// The package's `SQL/` and `Pipelines/` files, compiled into the binary.
public enum EmbeddedFiles {
    /// Every embedded file, keyed by its path in the package (e.g. `SQL/migrations/001_schemas.sql`).
    public static let files: [String: String] = {
        var map: [String: String] = [:]
        for file in GeneratedFiles.all {
            map[file.path] = file.text
        }
        return map
    }()

    /// The files under a folder, sorted by path.
    public static func files(under folder: String) -> [(path: String, text: String)] {
        let prefix = folder.hasSuffix("/") ? folder : folder + "/"
        return files.filter { $0.key.hasPrefix(prefix) }.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }
}
