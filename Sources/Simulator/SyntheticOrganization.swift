import UsageAPI

/// A deterministic synthetic organisation: its projects, users, keys and models, and the traffic
/// each endpoint sees, as a function of the seed alone.
public struct SyntheticOrganization: Sendable {
    /// How big an organisation to generate.
    public enum Preset: String, Sendable, CaseIterable {
        /// A few dozen series per endpoint: quick tests.
        case small
        /// About 800 completions series: over 2 million hourly result rows in 6 months at finest grouping.
        case large
    }

    public struct Project: Sendable, Hashable {
        public let id: String
        public let name: String
        public let archived: Bool
    }

    public struct User: Sendable, Hashable {
        public let id: String
        public let name: String
        public let email: String
    }

    public struct APIKey: Sendable, Hashable {
        public let id: String
        public let name: String
        public let projectID: String
        /// nil for keys owned by a service account.
        public let userID: String?
        public let serviceAccountID: String?
    }

    /// One stream of traffic at the finest grouping an endpoint supports.
    public struct Series: Sendable {
        public let dimensions: [Dimension: String?]
        let salt: UInt64
        let activity: Double
        let scale: Double
    }

    public let seed: UInt64
    public let preset: Preset
    public let organizationID: String
    public let projects: [Project]
    public let users: [User]
    public let apiKeys: [APIKey]
    public let vectorStores: [String: [String]]
    /// Traffic series per endpoint name.
    public let series: [String: [Series]]

    public static let chatModels = ["gpt-4o-2024-08-06", "gpt-4o-mini-2024-07-18", "gpt-4.1-2025-04-14", "o3-2025-04-16", "o4-mini-2025-04-16"]
    public static let embeddingModels = ["text-embedding-3-small", "text-embedding-3-large"]
    public static let moderationModels = ["omni-moderation-latest"]
    public static let imageModels = ["dall-e-3", "gpt-image-1"]
    public static let speechModels = ["tts-1", "gpt-4o-mini-tts"]
    public static let transcriptionModels = ["whisper-1", "gpt-4o-transcribe"]
    public static let serviceTiers = ["default", "flex", "scale", "priority"]
    /// Decisions grouped by `api_source`: Agents API activity that could be attributed, and the rest.
    public static let apiSources = ["agents_api", "unlabeled"]
    public static let imageSizes = ["256x256", "512x512", "1024x1024", "1792x1792", "1024x1792"]
    public static let imageSources = ["image.generation", "image.edit", "image.variation"]
    public static let contextLevels = ["low", "medium", "high"]

    /// USD per one million tokens: input, cached input, output.
    static let prices: [String: (input: Double, cached: Double, output: Double)] = [
        "gpt-4o-2024-08-06": (2.5, 1.25, 10), "gpt-4o-mini-2024-07-18": (0.15, 0.075, 0.6),
        "gpt-4.1-2025-04-14": (2, 0.5, 8), "o3-2025-04-16": (2, 0.5, 8), "o4-mini-2025-04-16": (1.1, 0.275, 4.4),
        "text-embedding-3-small": (0.02, 0.02, 0), "text-embedding-3-large": (0.13, 0.13, 0),
    ]

    public init(seed: UInt64 = 42, preset: Preset = .small) {
        self.seed = seed
        self.preset = preset
        func hex(_ tag: String, _ i: Int, _ length: Int = 24) -> String {
            var text = ""
            var h = Mix.hash(seed, Mix.string(tag), UInt64(i))
            let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
            for _ in 0..<length {
                text.append(alphabet[Int(h % UInt64(alphabet.count))])
                h = Mix.splitmix(h)
            }
            return text
        }
        organizationID = "org-" + hex("org", 0)
        let projectCount = preset == .large ? 12 : 4
        let userCount = preset == .large ? 40 : 6
        let keysPerProject = preset == .large ? 8 : 3
        let teams = ["Search", "Support Bot", "Analytics", "Growth", "Internal Tools", "Mobile", "Research", "Billing",
                     "Docs", "Sales Assist", "Legal Review", "Data Platform"]
        projects = (0..<projectCount).map { i in
            Project(id: "proj_" + hex("project", i), name: teams[i % teams.count] + (i >= teams.count ? " \(i)" : ""),
                    archived: i == projectCount - 1)
        }
        users = (0..<userCount).map { i in
            User(id: "user-" + hex("user", i), name: "User \(i + 1)", email: "user\(i + 1)@example.com")
        }
        var keys: [APIKey] = []
        var stores: [String: [String]] = [:]
        for (p, project) in projects.enumerated() {
            for k in 0..<keysPerProject {
                let serviceOwned = k % 3 == 2
                let user = users[(p * keysPerProject + k) % users.count]
                keys.append(APIKey(id: "key_" + hex("key", p * 100 + k, 16), name: "\(project.name) key \(k + 1)",
                                   projectID: project.id, userID: serviceOwned ? nil : user.id,
                                   serviceAccountID: serviceOwned ? "svc_acct_" + hex("svc", p * 100 + k, 16) : nil))
            }
            stores[project.id] = (0..<(1 + p % 3)).map { "vs_" + hex("vs", p * 10 + $0) }
        }
        apiKeys = keys
        vectorStores = stores

        var allSeries: [String: [Series]] = [:]
        let completionsCount = preset == .large ? 880 : 30
        let otherCount = preset == .large ? 60 : 10
        for endpoint in EndpointCatalog.all where !endpoint.isCosts {
            let count: Int
            switch endpoint.name {
            case "completions": count = completionsCount
            case "vector_stores", "code_interpreter_sessions": count = projectCount
            default: count = otherCount
            }
            var list: [Series] = []
            for i in 0..<count {
                let draw = { (tag: String) -> UInt64 in Mix.hash(seed, Mix.string(endpoint.name), UInt64(i), Mix.string(tag)) }
                var dims: [Dimension: String?] = [:]
                let key = keys[Int(draw("key") % UInt64(keys.count))]
                let anonymous = draw("anon") % 40 == 0 // usage with no key or user, as the API reports it
                if endpoint.groupBy == [.projectID] {
                    dims[.projectID] = projects[i % projects.count].id
                } else {
                    dims[.projectID] = key.projectID
                    dims[.userID] = anonymous ? .some(nil) : .some(key.userID)
                    dims[.apiKeyID] = anonymous ? .some(nil) : .some(key.id)
                }
                func pick(_ values: [String], _ tag: String) -> String { values[Int(draw(tag) % UInt64(values.count))] }
                switch endpoint.name {
                case "completions":
                    dims[.model] = pick(Self.chatModels, "model")
                    let batch = draw("batch") % 5 == 0
                    dims[.batch] = batch ? "true" : "false"
                    dims[.serviceTier] = batch ? .some("default") : .some(pick(Self.serviceTiers, "tier"))
                case "decisions":
                    dims[.model] = pick(Self.chatModels, "model")
                    let batch = draw("batch") % 7 == 0
                    dims[.batch] = batch ? "true" : "false"
                    dims[.serviceTier] = batch ? .some("default") : .some(pick(Self.serviceTiers, "tier"))
                    dims[.apiSource] = pick(Self.apiSources, "api_source")
                case "embeddings": dims[.model] = pick(Self.embeddingModels, "model")
                case "moderations": dims[.model] = pick(Self.moderationModels, "model")
                case "images":
                    dims[.model] = pick(Self.imageModels, "model")
                    dims[.size] = pick(Self.imageSizes, "size")
                    dims[.source] = pick(Self.imageSources, "source")
                case "audio_speeches": dims[.model] = pick(Self.speechModels, "model")
                case "audio_transcriptions": dims[.model] = pick(Self.transcriptionModels, "model")
                case "web_search_calls":
                    dims[.model] = pick(Self.chatModels, "model")
                    dims[.contextLevel] = pick(Self.contextLevels, "context")
                case "file_search_calls":
                    let projectStores = stores[key.projectID] ?? []
                    dims[.vectorStoreID] = projectStores.isEmpty ? .some(nil) : .some(pick(projectStores, "store"))
                default: break
                }
                let activity = 0.9 + 0.5 * Mix.unit(draw("activity"))
                let scale = 0.3 + 3 * Mix.unit(draw("scale")) * Mix.unit(draw("scale2"))
                list.append(Series(dimensions: dims, salt: draw("salt"), activity: activity, scale: scale))
            }
            allSeries[endpoint.name] = list
        }
        series = allSeries
    }
}
