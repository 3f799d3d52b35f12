import ArgumentParser
import UsageAPI

/// `--endpoint` and `--bucket-width`, validated against the endpoint catalog.
struct StreamSelection: ParsableArguments {
    @Option(name: .customLong("endpoint"), help: "An endpoint to load (repeatable): \(EndpointCatalog.all.map(\.name).joined(separator: ", ")).")
    var endpoints: [String] = []

    @Option(help: "Bucket width: 1d, 1h or 1m (costs: 1d only).")
    var bucketWidth: String = "1d"

    func validate() throws {
        for name in endpoints where EndpointCatalog.named(name) == nil {
            throw ValidationError("unknown endpoint '\(name)'; known: \(EndpointCatalog.all.map(\.name).joined(separator: ", "))")
        }
        guard let width = BucketWidth(rawValue: bucketWidth) else {
            throw ValidationError("invalid --bucket-width '\(bucketWidth)'; use 1d, 1h or 1m")
        }
        for endpoint in selected where !endpoint.widths.contains(width) {
            if endpoints.isEmpty { continue } // the default set skips costs at finer widths
            throw ValidationError("endpoint \(endpoint.name) does not support bucket width \(width.rawValue) (it supports \(endpoint.widths.map(\.rawValue).joined(separator: ", ")))")
        }
    }

    var selected: [Endpoint] { endpoints.isEmpty ? EndpointCatalog.all : endpoints.compactMap(EndpointCatalog.named) }

    /// Finest grouping for each selected endpoint that supports the width.
    func specs(organization: String) -> [StreamSpec] {
        let width = BucketWidth(rawValue: bucketWidth)!
        return selected.filter { $0.widths.contains(width) }.map { StreamSpec.finest($0, width: width, organization: organization) }
    }
}
