import Digest
import Postgres
import UsageAPI

/// Which organization each admin key loads, remembered in `etl.key_organizations` by a keyed
/// one-way fingerprint of the key (HMAC-SHA-256 under a random salt kept in the warehouse), so
/// the key cannot be recovered from it. Rows loaded before the organization was known are filed
/// under `placeholder`; once it is known they are moved to it, in one transaction, so one
/// organization's data is never in the warehouse twice.
public struct OrganizationRegistry {
    public static let placeholder = StreamSpec.unknownOrganization

    public let connection: PostgresConnection

    public init(connection: PostgresConnection) { self.connection = connection }

    /// The fingerprint of an admin key: hex HMAC-SHA-256(salt, key).
    public func fingerprint(ofKey key: String) throws -> String {
        let result = try connection.queryBytes("SELECT salt FROM etl.fingerprint_salt", [])
        guard let salt = result.first?.first ?? nil, !salt.isEmpty else {
            throw PostgresError(operation: .query, message: "etl.fingerprint_salt holds no salt")
        }
        return Self.fingerprint(salt: salt, key: key)
    }

    /// hex(SHA-256(HMAC-SHA-256(salt, key))): the derivation every warehouse already holds (9e23818
    /// and before hashed the HMAC once more). Changing it makes every remembered key unknown: a
    /// second row per key, and rows filed under `default` that are never adopted.
    public static func fingerprint(salt: [UInt8], key: String) -> String {
        SHA256.hex(SHA256.hmac(key: salt, message: Array(key.utf8)))
    }

    /// What is remembered for a key: nil when the key was never seen; `.some(nil)` when it was,
    /// but its organization is not known yet.
    public func remembered(_ fingerprint: String) throws -> String?? {
        let result = try connection.query("SELECT organization FROM etl.key_organizations WHERE key_fingerprint = $1", [.text(fingerprint)])
        guard result.count == 1 else { return nil }
        return .some(result[0, "organization"])
    }

    /// Records what is known of a key's organization (nil: not known yet).
    public func remember(_ fingerprint: String, organization: String?) throws {
        try connection.query("""
            INSERT INTO etl.key_organizations (key_fingerprint, organization, learned_at)
            VALUES ($1, $2, CASE WHEN $2::text IS NULL THEN NULL ELSE now() END)
            ON CONFLICT (key_fingerprint) DO UPDATE SET organization = excluded.organization, learned_at = excluded.learned_at
            WHERE etl.key_organizations.organization IS DISTINCT FROM excluded.organization
            """, [.text(fingerprint), .optionalText(organization)])
    }

    /// Records the display name of an organization (from an organizations file), shown beside its
    /// id in the analytics views as `organization_name`.
    public func setDisplayName(_ name: String, of organization: String) throws {
        try connection.query("""
            INSERT INTO warehouse.dim_organization AS d (natural_id, kind, name) VALUES ($1, 'value', $2)
            ON CONFLICT (natural_id) DO UPDATE SET name = excluded.name WHERE d.name IS DISTINCT FROM excluded.name
            """, [.text(organization), .text(name)])
    }

    /// What `adopt` did.
    public struct Adoption: Sendable, Equatable {
        /// Streams moved whole, their rows re-filed under the organization.
        public var moved = 0
        /// Streams the organization already had: merged into them (the organization's loaded
        /// buckets kept, the placeholder's other buckets and windows moved over).
        public var merged = 0
    }

    /// Moves the placeholder's streams and rows to `organization`, in one transaction, when this
    /// key loaded them: it is recorded as not knowing its organization (or no key is recorded at
    /// all: a warehouse loaded before keys were remembered), and no other key is (then which key
    /// loaded them cannot be told, and nothing is moved: nil).
    public func adopt(placeholderRowsOf fingerprint: String, as organization: String) throws -> Adoption? {
        try connection.transaction {
            try AdvisoryLock.organizationAdoption.lockForTransaction(on: connection)
            let keys = try connection.query("""
                SELECT count(*) FILTER (WHERE organization IS NULL AND key_fingerprint <> $1)::int AS others,
                       count(*) FILTER (WHERE organization IS NULL AND key_fingerprint = $1)::int AS this, count(*)::int AS total
                FROM etl.key_organizations
                """, [.text(fingerprint)])
            let placeholderStreams = try connection.query("SELECT count(*)::int AS n FROM etl.streams WHERE organization = $1",
                                                          [.text(Self.placeholder)]).int(0, "n") ?? 0
            // Nothing to move; or this key already knows its organization (a concurrent run of it
            // learned it first), so the placeholder's rows are not this key's.
            if placeholderStreams == 0 || (keys.int(0, "this") == 0 && keys.int(0, "total") ?? 0 > 0) { return Adoption() }
            guard keys.int(0, "others") == 0 else { return nil }
            let streams = try connection.query("""
                SELECT p.stream_id AS placeholder, p.endpoint, r.stream_id AS existing
                FROM etl.streams p
                LEFT JOIN etl.streams r ON r.organization = $2 AND r.endpoint = p.endpoint AND r.bucket_width = p.bucket_width
                                       AND r.group_by = p.group_by AND r.filters = p.filters
                WHERE p.organization = $1 ORDER BY p.stream_id
                """, [.text(Self.placeholder), .text(organization)])
            var adoption = Adoption()
            guard streams.count > 0 else { return adoption }
            try connection.query("""
                INSERT INTO warehouse.dim_organization (natural_id, kind) VALUES ($1, 'value') ON CONFLICT (natural_id) DO NOTHING
                """, [.text(organization)])
            for row in 0..<streams.count {
                guard let placeholder = streams.int(row, "placeholder"), let name = streams[row, "endpoint"],
                      let endpoint = EndpointCatalog.named(name) else { continue }
                let table = "warehouse." + endpoint.factTable
                if let existing = streams.int(row, "existing") {
                    // Both streams hold rows: the organization's stream keeps the buckets it has
                    // loaded; the placeholder's other buckets, and its windows of other ranges
                    // (with their archived pages), join it. Nothing leaves the views.
                    try connection.query("""
                        DELETE FROM \(table) WHERE stream_id = $1 AND coalesce((
                            SELECT range_agg(tstzrange(window_start, window_end)) FROM etl.windows
                            WHERE stream_id = $2 AND loaded_fetch_seq IS NOT NULL), '{}'::tstzmultirange) @> bucket_start
                        """, [.int(placeholder), .int(existing)])
                    try connection.query("""
                        UPDATE \(table) SET stream_id = $2,
                               organization_key = (SELECT organization_key FROM warehouse.dim_organization WHERE natural_id = $3)
                        WHERE stream_id = $1
                        """, [.int(placeholder), .int(existing), .text(organization)])
                    try connection.query("""
                        DELETE FROM etl.windows x WHERE x.stream_id = $2 AND x.loaded_fetch_seq IS NULL
                          AND EXISTS (SELECT 1 FROM etl.windows w WHERE w.stream_id = $1
                                      AND w.window_start = x.window_start AND w.window_end = x.window_end)
                        """, [.int(placeholder), .int(existing)])
                    try connection.query("""
                        UPDATE etl.windows w SET stream_id = $2 WHERE w.stream_id = $1
                          AND NOT EXISTS (SELECT 1 FROM etl.windows x WHERE x.stream_id = $2
                                          AND x.window_start = w.window_start AND x.window_end = w.window_end)
                        """, [.int(placeholder), .int(existing)])
                    try connection.query("DELETE FROM etl.windows WHERE stream_id = $1", [.int(placeholder)]) // ranges the organization has loaded
                    try connection.query("DELETE FROM etl.streams WHERE stream_id = $1", [.int(placeholder)])
                    adoption.merged += 1
                } else {
                    try connection.query("UPDATE etl.streams SET organization = $2 WHERE stream_id = $1", [.int(placeholder), .text(organization)])
                    try connection.query("""
                        UPDATE \(table) SET organization_key = (SELECT organization_key FROM warehouse.dim_organization WHERE natural_id = $2)
                        WHERE stream_id = $1
                        """, [.int(placeholder), .text(organization)])
                    adoption.moved += 1
                }
            }
            return adoption
        }
    }
}
