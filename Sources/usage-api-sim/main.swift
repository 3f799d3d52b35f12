import ArgumentParser
import Foundation
import Simulator

/// `usage-api-sim`: the local OpenAI Usage and Costs API over a synthetic organisation.
struct UsageAPISim: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "usage-api-sim",
        abstract: "Serve a faithful local OpenAI Usage and Costs API over a deterministic synthetic organisation.")

    @Option(help: "Port on 127.0.0.1 (0 picks a free one).") var port: Int = 0
    @Option(help: "Seed of the synthetic organisation.") var seed: UInt64 = 42
    @Option(help: "Organisation size.") var preset: SyntheticOrganization.Preset = .small
    @Option(help: "The admin key to accept.") var adminKeyValue: String = "sk-admin-simulator-key"
    @Option(name: .customLong("organization"),
            help: ArgumentHelp("Serve one more organization, read with its own admin key, its data from its own seed (repeatable).",
                               valueName: "key:seed"))
    var moreOrganizations: [OrganizationKey] = []
    @Option(help: "Requests per minute before answering 429 (each organization its own budget).") var rpm: Int?
    @Option(help: "Fixed clock, Unix seconds (default: real time).") var now: Int64?
    @Option(help: "Fraction of requests to fail, 0…1.") var faultRate: Double = 0
    @Option(help: "Fault kinds, comma-separated: 429,500,502,503,reset,truncated,malformed,wrong-type,timeout.")
    var faults: FaultKinds?
    @Option(help: "Latency added to every request, in milliseconds.") var latencyMs: Int = 0
    @Option(help: "Page cursors expire after this many seconds.") var cursorTtl: Int?
    @Option(help: "Live quirks, comma-separated: costs-empty-page,old-spellings,amount-as-string,duplicate-results,short-pages (7 buckets a page),no-organization-id.")
    var quirks: String?
    @Option(help: ArgumentHelp("Damage a string in every page of one window: ENDPOINT@UNIX[:lone-surrogate|invalid-escape], UNIX a bucket start.",
                               valueName: "window"))
    var poison: PoisonedPage?
    @Option(name: .customLong("new-field"),
            help: ArgumentHelp("Serve a field the API added lately on every result of an endpoint, e.g. completions:input_foo_tokens (repeatable).",
                               valueName: "endpoint:field"))
    var newFields: [NewField] = []
    @Option(help: ArgumentHelp("Answer every <name>.query in this directory into <name>.json, then exit (no server).",
                               valueName: "directory"))
    var writeFixtures: String?

    func validate() throws {
        guard (0...1).contains(faultRate) else { throw ValidationError("--fault-rate must be between 0 and 1") }
    }

    func run() throws {
        if let writeFixtures {
            let directory = URL(fileURLWithPath: writeFixtures)
            for fixture in try FixtureSet(directory: directory).fixtures {
                try Data(fixture.reply.body).write(to: directory.appendingPathComponent(fixture.name + ".json"))
                print("\(fixture.name).json: HTTP \(fixture.reply.status), \(fixture.reply.body.count) bytes")
            }
            return
        }
        var configuration = SimulatorConfiguration()
        configuration.seed = seed
        configuration.preset = preset
        configuration.adminKey = adminKeyValue
        configuration.moreOrganizations = moreOrganizations
        configuration.requestsPerMinute = rpm
        configuration.now = now
        configuration.faults.rate = faultRate
        if let faults { configuration.faults.kinds = faults.kinds }
        configuration.faults.latencyMilliseconds = latencyMs
        configuration.faults.cursorTTLSeconds = cursorTtl
        let quirkSet = Set((quirks ?? "").split(separator: ",").map(String.init))
        configuration.faults.costsEmptyPageQuirk = quirkSet.contains("costs-empty-page")
        configuration.faults.oldSpellings = quirkSet.contains("old-spellings")
        configuration.faults.amountAsString = quirkSet.contains("amount-as-string")
        configuration.faults.duplicateResults = quirkSet.contains("duplicate-results")
        if quirkSet.contains("short-pages") { configuration.faults.shortPageBuckets = 7 }
        configuration.faults.omitOrganizationID = quirkSet.contains("no-organization-id")
        configuration.faults.poisonedPage = poison
        for field in newFields { configuration.faults.newFields[field.endpoint, default: []].append(field.name) }
        let simulator = APISimulator(configuration: configuration)
        let url = try simulator.start(port: port)
        FileHandle.standardOutput.write(Data((url + "\n").utf8))
        while true { sleep(3600) }
    }
}

/// `--organization KEY:SEED`, read once by `OrganizationKey`'s own parser.
extension OrganizationKey: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }
}

/// `--preset small|large`, read once by its raw value.
extension SyntheticOrganization.Preset: ExpressibleByArgument {}

/// `--poison ENDPOINT@UNIX[:DAMAGE]`, read once by `PoisonedPage`'s own parser.
extension PoisonedPage: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }
}

/// `--faults 429,500,…`: fault kinds, comma-separated; an unknown kind makes the value invalid.
struct FaultKinds: ExpressibleByArgument {
    var kinds: [FaultConfiguration.Kind]

    init?(argument: String) {
        var kinds: [FaultConfiguration.Kind] = []
        for name in argument.split(separator: ",") {
            guard let kind = FaultConfiguration.Kind(rawValue: String(name)) else { return nil }
            kinds.append(kind)
        }
        self.kinds = kinds
    }
}

UsageAPISim.main()

/// `--new-field ENDPOINT:FIELD`: a usage endpoint's name and a field name.
struct NewField: ExpressibleByArgument {
    var endpoint: String
    var name: String

    init?(argument: String) {
        let parts = argument.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2, FaultConfiguration.servesNewFields(on: parts[0]),
              !parts[1].isEmpty, parts[1].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else { return nil }
        (self.endpoint, self.name) = (parts[0], parts[1])
    }
}
