import Foundation
import UsageAPI

/// Late data: from `fromHour` on, each `version` step makes buckets grow, one group vanish and a
/// late group appear, as the live API restates recent buckets.
public struct Restatement: Sendable, Equatable {
    public var fromHour: Int64
    public var version: Int

    public static let none = Restatement(fromHour: .max, version: 0)

    public init(fromHour: Int64, version: Int) {
        self.fromHour = fromHour
        self.version = version
    }
}

extension SyntheticOrganization {
    /// Organisation-wide multiplier for a day: weekly rhythm, growth, spikes and quiet days.
    func dayFactor(_ day: Int64) -> Double {
        let weekday = (day + 3) % 7 // 0 = Monday (1970-01-01 was a Thursday)
        var factor = weekday >= 5 ? 0.45 : 1.0
        factor *= min(3, max(0.5, 1 + 0.002 * Double(day - 20_400)))
        let roll = Mix.unit(seed, 0x5155, UInt64(bitPattern: day))
        if roll < 0.02 { factor *= 4 } else if roll < 0.035 { factor *= 0.05 }
        return factor
    }

    static func hourOfDayFactor(_ hourOfDay: Int64) -> Double {
        0.35 + 0.65 * (0.5 + 0.5 * cos((Double(hourOfDay) - 15) / 24 * 2 * .pi))
    }

    /// The series' metrics for one hour (catalog order, count metrics), or nil when it is idle.
    func hourValues(_ endpoint: Endpoint, _ series: Series, hour: Int64, restatement: Restatement) -> [Int64]? {
        let day = hour >= 0 ? hour / 24 : (hour - 23) / 24
        let inRestatedRange = hour >= restatement.fromHour
        if inRestatedRange {
            if restatement.version == 0 && series.salt % 13 == 5 { return nil } // a late group, not landed yet
            if restatement.version > 0 && series.salt % 11 == 3 { return nil }  // a group that vanishes
        }
        let restated = inRestatedRange && restatement.version > 0
        let rhythm = dayFactor(day) * Self.hourOfDayFactor(hour - day * 24)
        if endpoint.name == "vector_stores" {
            // A storage gauge: grows slowly, never idle.
            let base = 50_000_000 * series.scale
            return [Int64(base * (1 + Double(hour % 100_000) / 20_000))]
        }
        let h = Mix.hash(series.salt, UInt64(bitPattern: hour))
        let probability = min(0.97, series.activity * rhythm * 1.2)
        guard Double(h >> 11) / Double(1 << 53) < probability else { return nil }
        let u = Mix.unit(h, 1)
        var requests = Int64(1 + (series.scale * rhythm * 40 * u).rounded(.down))
        if restated { requests = requests * Int64(10 + restatement.version) / 10 + Int64(restatement.version) }
        let v = Mix.unit(h, 2)
        switch endpoint.name {
        case "completions", "decisions":
            let inputPer = 300 + Int64(v * 2_500)
            let input = requests * inputPer
            let cached = input * Int64(Mix.unit(h, 3) * 60) / 100
            let cacheWrite = input * Int64(Mix.unit(h, 4) * 8) / 100
            let cacheWrite30m = cacheWrite * Int64(Mix.unit(h, 6) * 100) / 100 // the rest is kept 12 hours
            let cacheWrite12h = cacheWrite - cacheWrite30m
            let uncached = input - cached - cacheWrite
            let output = requests * (50 + Int64(Mix.unit(h, 5) * 900))
            let inputAudio = series.salt % 9 == 0 ? input / 10 : 0
            let inputImage = series.salt % 7 == 0 ? input / 8 : 0
            let inputText = input - inputAudio - inputImage
            let cachedAudio = inputAudio > 0 ? cached / 10 : 0
            let cachedImage = inputImage > 0 ? cached / 8 : 0
            let cachedText = cached - cachedAudio - cachedImage
            let outputAudio = series.salt % 9 == 0 ? output / 5 : 0
            let outputImage: Int64 = 0
            let outputText = output - outputAudio - outputImage
            let modalities = [inputText, outputText, cachedText, inputAudio, cachedAudio, outputAudio, inputImage, cachedImage, outputImage]
            // In each endpoint's catalog order (completions: the split last, as it came later).
            if endpoint.name == "decisions" {
                return [input, cached, cacheWrite, uncached, cacheWrite30m, cacheWrite12h, output] + modalities + [requests]
            }
            return [input, cached, cacheWrite, uncached, output] + modalities + [requests, cacheWrite30m, cacheWrite12h]
        case "embeddings": return [requests * (200 + Int64(v * 3_000)), requests]
        case "moderations": return [requests * (50 + Int64(v * 400)), requests]
        case "images": return [requests * (1 + Int64(v * 3)), requests]
        case "audio_speeches": return [requests * (100 + Int64(v * 1_500)), requests]
        case "audio_transcriptions": return [requests * (5 + Int64(v * 300)), requests]
        case "code_interpreter_sessions": return [max(1, requests / 4)]
        case "file_search_calls": return [requests]
        case "web_search_calls": return [requests, requests + Int64(v * Double(requests))]
        default: return nil
        }
    }

    /// The share of an hour's value that falls in minute `minute` (0…59): the hour's total spread
    /// evenly, the remainder one unit a minute from a rotating start, so the 60 shares sum exactly.
    static func minuteShare(_ total: Int64, minute: Int64, rotation: Int64) -> Int64 {
        let index = (minute - rotation + 60) % 60
        return total / 60 + (index < total % 60 ? 1 : 0)
    }

    /// The series' summed metrics over minutes [m0, m1), or nil when idle throughout.
    func values(_ endpoint: Endpoint, _ series: Series, minutes m0: Int64, _ m1: Int64,
                restatement: Restatement) -> [Int64]? {
        guard m1 > m0 else { return nil }
        if endpoint.name == "vector_stores" {
            // A gauge reads its value at the start of the bucket.
            return hourValues(endpoint, series, hour: floorDiv(m0, 60), restatement: restatement)
        }
        var total: [Int64]? = nil
        var hour = floorDiv(m0, 60)
        while hour * 60 < m1 {
            let from = max(m0, hour * 60), to = min(m1, hour * 60 + 60)
            if let values = hourValues(endpoint, series, hour: hour, restatement: restatement) {
                var part = values
                if to - from < 60 {
                    let rotation = Int64(Mix.hash(series.salt, UInt64(bitPattern: hour), 7) % 60)
                    for i in part.indices {
                        var sum: Int64 = 0
                        for minute in (from - hour * 60)..<(to - hour * 60) {
                            sum += Self.minuteShare(values[i], minute: minute, rotation: rotation)
                        }
                        part[i] = sum
                    }
                }
                if part.contains(where: { $0 != 0 }) {
                    if total == nil { total = part } else { for i in part.indices { total![i] += part[i] } }
                }
            }
            hour += 1
        }
        return total
    }
}
