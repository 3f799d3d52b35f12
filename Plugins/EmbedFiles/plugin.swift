import Foundation
import PackagePlugin

/// Compiles the package's `SQL/` (migrations and view files) and `Pipelines/` definitions into the
/// target as string constants, so the `usage-etl` binary runs from any directory.
@main
struct EmbedFiles: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let root = context.package.directoryURL
        let folders = ["SQL", "Pipelines"]
        var inputs: [URL] = []
        let manager = FileManager.default
        for folder in folders {
            let base = root.appending(path: folder)
            guard let walker = manager.enumerator(at: base, includingPropertiesForKeys: nil) else { continue }
            for case let url as URL in walker where ["sql", "toml"].contains(url.pathExtension) {
                inputs.append(url)
            }
        }
        inputs.sort { $0.path < $1.path }
        let output = context.pluginWorkDirectoryURL.appending(path: "GeneratedFiles.swift")
        var arguments = [root.path, output.path]
        arguments += inputs.map(\.path)
        return [.buildCommand(displayName: "Embedding SQL and pipeline files",
                              executable: try context.tool(named: "embed-files").url,
                              arguments: arguments, inputFiles: inputs, outputFiles: [output])]
    }
}
