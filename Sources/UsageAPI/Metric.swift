/// A measured field of a result and how it is typed.
public struct Metric: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// A 64-bit integer count (tokens, requests, bytes, seconds).
        case count
        /// An exact decimal kept as its JSON text (costs' `amount.value`, `quantity`).
        case decimal
        /// A short text value (costs' `currency`, `quantity_unit`).
        case text
    }

    /// The API's field name, also the warehouse column and contract-view column.
    public let name: String
    public let kind: Kind
    /// Required by the API description; optional fields are NULL when omitted.
    public let required: Bool

    public init(_ name: String, _ kind: Kind = .count, required: Bool = true) {
        self.name = name
        self.kind = kind
        self.required = required
    }
}
