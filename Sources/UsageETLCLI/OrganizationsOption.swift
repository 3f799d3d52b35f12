import ArgumentParser
import Foundation
import Pipeline

/// `--organizations FILE`: load (or show) several organizations in one warehouse, each with its
/// own admin key (see `OrganizationsFile`).
struct OrganizationsOption: ParsableArguments {
    @Option(name: .customLong("organizations"),
            help: ArgumentHelp("Every organization of this TOML file, each with its own admin key file or variable (instead of one key).",
                               valueName: "file"))
    var path: String?

    /// The file, read and validated; nil without the flag. A file that cannot be used is a usage error.
    func file() throws -> OrganizationsFile? {
        guard let path else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CommandFailure.usage("cannot read --organizations \(path)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw CommandFailure.usage("--organizations \(path) is not UTF-8 text")
        }
        do {
            return try OrganizationsFile(toml: text, source: path)
        } catch {
            throw CommandFailure.usage("\(error)")
        }
    }
}
