import Foundation
import Testing
@testable import UsageAPI

/// The page decoder walks documents without building them: field order does not matter, unknown
/// fields are skipped, live spellings are accepted, and every refusal names its field.
@Suite("Page decoder")
struct PageDecoderTests {
    let embeddings = PageDecoder(endpoint: EndpointCatalog.embeddings)

    func page(_ text: String) throws -> UsagePage { try embeddings.decode(Array(text.utf8)) }

    func refusal(_ text: String, decoder: PageDecoder? = nil) -> String {
        do {
            _ = try (decoder ?? embeddings).decode(Array(text.utf8))
            return "accepted"
        } catch let error as DecodeError {
            return error.description
        } catch {
            return "\(error)"
        }
    }

    static let result = #"{"object":"organization.usage.embeddings.result","input_tokens":12,"num_model_requests":3,"project_id":"proj_a","model":"m"}"#

    @Test func fieldOrderAndUnknownFieldsDoNotMatter() throws {
        let ordered = try page(#"{"object":"page","data":[{"object":"bucket","start_time":0,"end_time":60,"results":[\#(Self.result)]}],"has_more":false,"next_page":null}"#)
        let shuffled = try page(#"{"next_page":null,"extra":{"deep":[1,{"x":null}]},"has_more":false,"data":[{"results":[{"num_model_requests":3,"model":"m","future_field":[true],"project_id":"proj_a","input_tokens":12,"object":"organization.usage.embeddings.result"}],"end_time":60,"start_time":0}]}"#)
        #expect(ordered.buckets.map(\.results) == shuffled.buckets.map(\.results))
        #expect(ordered.buckets.first?.results.first?.metrics == ["12", "3"])
        #expect(ordered.hasMore == false && ordered.nextPage == nil)
    }

    @Test func duplicateResultsAreSummedWithAWarning() throws {
        let decoded = try page(#"{"data":[{"start_time":0,"end_time":60,"result":[\#(Self.result),\#(Self.result)]}],"has_more":true,"next_page":"c"}"#)
        #expect(decoded.buckets[0].results.count == 1)
        #expect(decoded.buckets[0].results[0].metrics == ["24", "6"])
        #expect(decoded.warnings.count == 1)
        #expect(decoded.nextPage == "c")
    }

    /// The digest that finds duplicate results tells apart values that concatenate alike, and a
    /// null from an empty string.
    @Test func duplicateDigestSeparatesValuesAndNulls() {
        let digests = [PageDecoder.digest(["ab", nil]), PageDecoder.digest(["a", "b"]), PageDecoder.digest([nil, "ab"]),
                       PageDecoder.digest(["", "ab"]), PageDecoder.digest(["ab", ""]), PageDecoder.digest(["ab"])]
        #expect(Set(digests).count == digests.count)
        #expect(PageDecoder.digest(["proj_1", "gpt-4o"]) == PageDecoder.digest(["proj_1", "gpt-4o"]))
    }

    /// Results of one cost group in two currencies are two results; split amounts of one currency
    /// are summed exactly, beyond Decimal's 38 digits.
    @Test func costResultsInOtherCurrenciesAreNotSummed() throws {
        func cost(_ value: String, _ currency: String) -> String {
            #"{"object":"organization.costs.result","amount":{"value":\#(value),"currency":"\#(currency)"},"line_item":"x","project_id":"p"}"#
        }
        let long = "123456789012345678901234567890123456789.5"
        let text = #"{"data":[{"start_time":0,"end_time":86400,"results":[\#(cost("10.00", "usd")),\#(cost("7.00", "eur")),\#(cost(long, "usd")),\#(cost("0.5", "eur"))]}],"has_more":false,"next_page":null}"#
        let decoded = try PageDecoder(endpoint: EndpointCatalog.costs).decode(Array(text.utf8))
        let results = decoded.buckets[0].results.map { [$0.metrics[0], $0.metrics[1]] }
        #expect(results == [["123456789012345678901234567890123456799.5", "usd"], ["7.5", "eur"]])
    }

    @Test func costsAmountsStayExactAndSessionsAcceptTheOldSpelling() throws {
        let costs = PageDecoder(endpoint: EndpointCatalog.costs)
        let decoded = try costs.decode(Array(#"{"data":[{"start_time":0,"end_time":86400,"results":[{"object":"organization.costs.result","amount":{"value":0.13080438340307526,"currency":"usd"},"line_item":"x, input","project_id":null}]}],"has_more":false,"next_page":null}"#.utf8))
        #expect(decoded.buckets[0].results[0].metrics[0] == "0.13080438340307526")
        #expect(decoded.buckets[0].results[0].metrics[1] == "usd")
        let sessions = PageDecoder(endpoint: EndpointCatalog.codeInterpreterSessions)
        let old = try sessions.decode(Array(#"{"data":[{"start_time":0,"end_time":60,"results":[{"object":"organization.usage.code_interpreter_sessions.result","sessions":7}]}],"has_more":false}"#.utf8))
        #expect(old.buckets[0].results[0].metrics == ["7"])
    }

    @Test func refusalsNameTheField() {
        let bucket = #"{"start_time":0,"end_time":60,"results":[RESULT]}"#
        func with(_ result: String) -> String { #"{"data":["# + bucket.replacingOccurrences(of: "RESULT", with: result) + #"],"has_more":false}"# }
        #expect(refusal("[]").contains("'(document)'"))
        #expect(refusal(#"{"has_more":false}"#).contains("'data'"))
        #expect(refusal(#"{"data":[]}"#).contains("'has_more'"))
        #expect(refusal(#"{"data":[{"end_time":60,"results":[]}],"has_more":false}"#).contains("'start_time'"))
        #expect(refusal(#"{"data":[{"start_time":60,"end_time":60,"results":[]}],"has_more":false}"#).contains("not after start_time"))
        #expect(refusal(with(Self.result.replacingOccurrences(of: #""input_tokens":12,"#, with: ""))).contains("field 'input_tokens'): required but missing"))
        #expect(refusal(with(Self.result.replacingOccurrences(of: #""input_tokens":12"#, with: #""input_tokens":"12""#))).contains("expected an integer, found string"))
        #expect(refusal(with(Self.result.replacingOccurrences(of: "embeddings.result", with: "images.result"))).contains("'object'"))
        #expect(refusal(with(Self.result.replacingOccurrences(of: #""model":"m""#, with: #""model":5"#))).contains("'model'"))
        #expect(refusal(with(Self.result)).contains("accepted"))
        let truncated = with(Self.result).dropLast(5)
        #expect(refusal(String(truncated)).contains("invalid JSON"))
        #expect(refusal(#"{"data":[],"has_more":false} x"#).contains("unexpected data after the document"))
        #expect(refusal(#"{"data":[,],"has_more":false}"#).contains("data[0]"))
        #expect(refusal(#"{,"data":[],"has_more":false}"#).contains("invalid JSON"))
        // What PostgreSQL could not store is refused here, naming the field, not in the load.
        let long = String(repeating: "m", count: PageDecoder.maxDimensionBytes + 1)
        #expect(refusal(with(Self.result.replacingOccurrences(of: #""model":"m""#, with: #""model":"\#(long)""#))).contains("field 'model'): 2049 bytes"))
        #expect(refusal(#"{"data":[{"start_time":-99999999999999,"end_time":60,"results":[]}],"has_more":false}"#).contains("'start_time'"))
        #expect(refusal(#"{"data":[],"has_more":true,"next_page":"a\u0000b"}"#).contains("'next_page'"))
        #expect(refusal(#"{"data":[],"has_more":false,"x":[1,2"#).contains("byte "))
    }

    @Test func controlCharactersBecomeStorable() throws {
        let page = try page(#"{"data":[{"start_time":0,"end_time":60,"results":[\#(Self.result.replacingOccurrences(of: #""model":"m""#, with: #""model":"a\u0000b""#))]}],"has_more":false}"#)
        #expect(page.buckets[0].results[0].dimensions.contains("a\u{FFFD}b"))
    }

    /// A page of about 1 MiB, four times the streaming read-ahead, so the buffer is refilled many times.
    static let largePage: [UInt8] = {
        var text = #"{"object":"page","has_more":true,"padding":"\#(String(repeating: "x", count: 1000))","data":["#
        for b in 0..<40 {
            if b > 0 { text += "," }
            text += #"{"object":"bucket","start_time":\#(b * 60),"end_time":\#(b * 60 + 60),"results":["#
            for r in 0..<120 {
                if r > 0 { text += ",\n  " }
                text += #"{"object":"organization.usage.embeddings.result","input_tokens":\#(b * 1000 + r),"num_model_requests":\#(r),"project_id":"proj_\#(r)","model":"m\u00e9\#(b)","extra":{"k":[1,2,{"z":"\#(String(repeating: "y", count: r))"}]}}"#
            }
            text += "]}"
        }
        text += #"],"next_page":"page_after"}"#
        return Array(text.utf8)
    }()

    /// Streams `body` to a reader in chunks of `chunk` bytes; `cut` drops everything after that many bytes.
    func streamed(_ body: [UInt8], chunk: Int, cut: Int? = nil) throws -> UsagePage {
        let end = min(body.count, cut ?? body.count)
        var offset = 0
        var reader = try embeddings.reader { buffer in
            guard offset < end else { return false }
            let next = min(end, offset + chunk)
            buffer.append(contentsOf: body[offset..<next])
            offset = next
            return true
        }
        var buckets: [UsageBucket] = []
        while let bucket = try reader.nextBucket() { buckets.append(bucket) }
        let ending = try reader.ending()
        return UsagePage(buckets: buckets, hasMore: ending.hasMore, nextPage: ending.nextPage, warnings: reader.warnings)
    }

    @Test(arguments: [1, 4093, 65_536, 3_000_000])
    func streamingInChunksDecodesLikeWholeDocument(chunk: Int) throws {
        #expect(Self.largePage.count > 1024 * 1024)
        let whole = try embeddings.decode(Self.largePage)
        let streamed = try streamed(Self.largePage, chunk: chunk)
        #expect(whole.buckets.count == 40)
        #expect(streamed.buckets.map(\.startTime) == whole.buckets.map(\.startTime))
        #expect(streamed.buckets.map(\.results) == whole.buckets.map(\.results))
        #expect(streamed.buckets[39].results[119].dimensions.contains("m\u{e9}39"))
        #expect(streamed.hasMore && streamed.nextPage == "page_after")
    }

    @Test func truncatedStreamIsRefusedAtItsEnd() {
        for cut in [Self.largePage.count - 1, Self.largePage.count / 2, 10] {
            #expect(throws: DecodeError.self) { try streamed(Self.largePage, chunk: 8191, cut: cut) }
        }
        var trailing = Self.largePage
        trailing += Array("  \n x".utf8)
        #expect(throws: DecodeError.self) { try streamed(trailing, chunk: 8191) }
    }

    @Test func escapedKeysMatchLikePlainOnes() throws {
        let escaped = try page(#"{"data":[{"start_time":0,"end_time":60,"results":[{"obj\u0065ct":"organization.usage.embeddings.result","input_tokens":-0,"num_model_requests":3,"project_id":"proj_a","mod\u0065l":"m"}]}],"has_more":false}"#)
        #expect(escaped.buckets[0].results[0].dimensions.contains("m"))
        #expect(escaped.buckets[0].results[0].metrics == ["0", "3"], "-0 is stored as 0")
    }

    func summary(_ text: String) throws -> PageSummary {
        var sent = false
        return try embeddings.summarize { buffer in
            guard !sent else { return false }
            sent = true
            buffer += Array(text.utf8)
            return true
        }
    }

    @Test func summaryChecksSyntaxAndTimesButLeavesResultsToTheLoad() throws {
        let wrongType = #"{"data":[{"start_time":0,"end_time":60,"results":[{"object":"x","input_tokens":"12"}]},{"start_time":60,"end_time":120,"results":[]}],"has_more":true,"next_page":"c"}"#
        #expect(try summary(wrongType) == PageSummary(hasMore: true, nextPage: "c", bucketCount: 2, firstBucketStart: 0, lastBucketStart: 60))
        #expect(refusal(wrongType).contains("input_tokens"))
        for garbled in [#"{"data":[{"start_time":0,"end_time":60,"results":[{"a":tru}]}],"has_more":false}"#,
                        #"{"data":[{"start_time":0,"end_time":60,"results":[{"a":"\q"}]}],"has_more":false}"#,
                        #"{"data":[{"start_time":0,"end_time":60,"results":[{"a":01}]}],"has_more":false}"#,
                        #"{"data":[{"start_time":0,"end_time":60,"results":[{"a":1}"#,
                        #"{"data":[{"start_time":0,"end_time":60}],"has_more":false}"#] {
            #expect(throws: DecodeError.self, "\(garbled)") { try summary(garbled) }
        }
    }
}
