import Pipeline
import Testing

/// The organizations file: what it accepts, and that no key written into it is echoed back.
@Suite("organizations file")
struct OrganizationsFileTests {
    @Test func readsEntriesWithKeyFilesVariablesIdsAndCaps() throws {
        let file = try OrganizationsFile(toml: """
            [[organizations]]
            name = "Acme Research"
            id = "org-abc123"
            admin_key_file = "/etc/usage-etl/research.key"

            [[organizations]]
            name = "Acme Labs"
            admin_key_env = "ACME_LABS_ADMIN_KEY"
            requests_per_minute = 120
            """, source: "orgs.toml")
        #expect(file.entries == [
            OrganizationsFile.Entry(name: "Acme Research", id: "org-abc123", key: .file("/etc/usage-etl/research.key"), requestsPerMinute: nil),
            OrganizationsFile.Entry(name: "Acme Labs", id: nil, key: .environment("ACME_LABS_ADMIN_KEY"), requestsPerMinute: 120),
        ])
    }

    @Test(arguments: [
        ("", "no [[organizations]] entries"),
        ("[[organizations]]\nname = \"a\"\nadmin_key = \"sk-admin-SECRET\"", "keys are not written into this file"),
        ("[[organizations]]\nname = \"a\"\napi_key = \"sk-admin-SECRET\"", "keys are not written into this file"),
        ("[[organizations]]\nadmin_key_env = \"X\"", "name is required"),
        ("[[organizations]]\nname = \"a\"", "needs admin_key_file or admin_key_env"),
        ("[[organizations]]\nname = \"a\"\nadmin_key_env = \"X\"\nadmin_key_file = \"k\"", "gives both"),
        ("[[organizations]]\nname = \"a\"\nadmin_key_env = \"NOT-A-NAME\"", "is not an environment variable name"),
        ("[[organizations]]\nname = \"a\"\nid = \"acme\"\nadmin_key_env = \"X\"", "is not an organization id"),
        ("[[organizations]]\nname = \"a\"\nadmin_key_env = \"X\"\nrequests_per_minute = 0", "between 1 and 100000"),
        ("[[organizations]]\nname = \"a\"\nadmin_key_env = \"X\"\n[[organizations]]\nname = \"b\"\nadmin_key_env = \"X\"", "given twice"),
        ("[[organizations]]\nname = \"a\"\nid = \"org-1\"\nadmin_key_env = \"X\"\n[[organizations]]\nname = \"b\"\nid = \"org-1\"\nadmin_key_env = \"Y\"", "given twice"),
        ("[[organizations]]\nname = \"a\nb\"", "not valid TOML"),
        ("organizations = 3", "no [[organizations]] entries"),
        ("[[organizations]]\nname = \"a\"\nadmin_key_env = \"X\"\ncolour = \"blue\"", "unknown key 'organizations[0].colour'"),
    ])
    func refusesWhatItCannotUseWithoutEchoingKeys(toml: String, message: String) {
        do {
            _ = try OrganizationsFile(toml: toml, source: "orgs.toml")
            Issue.record("accepted: \(toml)")
        } catch {
            let text = "\(error)"
            #expect(text.contains(message) && text.hasPrefix("organizations file orgs.toml"), "\(text)")
            #expect(!text.contains("SECRET"))
        }
    }
}
