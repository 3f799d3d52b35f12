import ArgumentParser
import Foundation
import Pipeline
import UsageAPI

/// `--pipeline`, `--endpoint` and `--bucket-width`: which streams a command loads. With no
/// `--pipeline`, the built-in default (`Pipelines/daily.toml`) applies; `--endpoint` narrows it and
/// `--bucket-width` overrides its width.
struct StreamSelection: ParsableArguments {
    @Option(help: ArgumentHelp("A pipeline file (TOML); default: the built-in Pipelines/daily.toml.", valueName: "file"))
    var pipeline: String?

    @Option(name: .customLong("endpoint"), help: "An endpoint to load (repeatable): \(EndpointCatalog.all.map(\.name).joined(separator: ", ")).",
            transform: Endpoint.parseArgument)
    var endpoints: [Endpoint] = []

    @Option(help: "Bucket width: 1d, 1h or 1m (costs: 1d only); default: the pipeline's.", transform: BucketWidth.parseArgument)
    var bucketWidth: BucketWidth?

    func validate() throws {
        if let width = bucketWidth {
            for endpoint in endpoints where !endpoint.widths.contains(width) {
                throw ValidationError("endpoint \(endpoint.name) does not support bucket width \(width.rawValue) (it supports \(endpoint.widths.map(\.rawValue).joined(separator: ", ")))")
            }
        }
    }

    /// The pipeline file, or the built-in default; an unusable file is a configuration error.
    func definition() throws -> PipelineDefinition {
        do {
            guard let path = pipeline else { return try PipelineDefinition.builtIn("daily")! }
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw CommandFailure.usage("cannot read --pipeline \(path)")
            }
            return try PipelineDefinition(toml: text, source: path)
        } catch let invalid as PipelineDefinition.Invalid {
            throw CommandFailure.usage(invalid.description)
        }
    }

    /// The pipeline's streams, narrowed by `--endpoint` and re-widthed by `--bucket-width`.
    func streams(of definition: PipelineDefinition) throws -> [PipelineDefinition.Stream] {
        var streams = definition.streams
        if !endpoints.isEmpty {
            for endpoint in endpoints where !streams.contains(where: { $0.endpoint == endpoint }) {
                throw CommandFailure.usage("pipeline \(definition.name) has no stream for endpoint '\(endpoint.name)'")
            }
            streams = streams.filter { endpoints.contains($0.endpoint) }
        }
        if let width = bucketWidth {
            // Without --endpoint, streams that cannot take the width (costs below 1d) keep their own.
            streams = streams.map { stream in
                var stream = stream
                if stream.endpoint.widths.contains(width) {
                    if stream.width != width { stream.lookbackSeconds = PipelineDefinition.defaultLookback(width) }
                    stream.width = width
                }
                return stream
            }
        }
        var seen = Set<StreamSpec>()
        return streams.filter { seen.insert($0.spec(organization: "")).inserted }
    }
}

// Command-line values parsed once, where they are read, with the messages operators see.

extension Endpoint {
    static func parseArgument(_ text: String) throws -> Endpoint {
        guard let endpoint = EndpointCatalog.named(text) else {
            throw ValidationError("unknown endpoint '\(text)'; known: \(EndpointCatalog.all.map(\.name).joined(separator: ", "))")
        }
        return endpoint
    }
}

extension BucketWidth {
    static func parseArgument(_ text: String) throws -> BucketWidth {
        guard let width = BucketWidth(rawValue: text) else { throw ValidationError("invalid --bucket-width '\(text)'; use 1d, 1h or 1m") }
        return width
    }
}
