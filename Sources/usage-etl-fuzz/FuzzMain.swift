import Foundation
import FuzzTargets

/// `usage-etl-fuzz TARGET …`: one parser of outside data (`FuzzTarget`) under libFuzzer.
///
/// Built by `make fuzz` (scripts/fuzz.py: AddressSanitizer, libFuzzer's coverage and its runtime,
/// `-DUSAGE_ETL_FUZZING`), the arguments after
/// TARGET are libFuzzer's (`-max_total_time=60 corpus/`). In an ordinary build, they are files or
/// folders whose inputs are run through TARGET once each, so a kept crash can be replayed and
/// debugged without the sanitizers.
@main
enum FuzzMain {
    static func main() {
        let arguments = CommandLine.arguments
        guard arguments.count >= 2, let target = FuzzTarget(rawValue: arguments[1]) else {
            FileHandle.standardError.write(Data("usage: usage-etl-fuzz TARGET [libFuzzer options | inputs…]\ntargets: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: " "))\n".utf8))
            exit(2)
        }
        #if USAGE_ETL_FUZZING
        _ = target // `fuzzOne` reads it from `selectedTarget`
        exit(runLibFuzzer(dropping: 1))
        #else
        exit(replay(target, inputs: Array(arguments.dropFirst(2))))
        #endif
    }

    /// Runs every input file (folders: their files) through `target`; 1 if any gave a finding.
    static func replay(_ target: FuzzTarget, inputs: [String]) -> Int32 {
        var files: [String] = []
        for input in inputs {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: input, isDirectory: &isFolder) else {
                FileHandle.standardError.write(Data("no such input: \(input)\n".utf8))
                return 2
            }
            if isFolder.boolValue {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: input)) ?? []
                files += names.sorted().map { input + "/" + $0 }
            } else {
                files.append(input)
            }
        }
        var findings = 0
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else { continue }
            do { try target.run(Array(data)) } catch {
                findings += 1
                print("\(file): \(error)")
            }
        }
        print("\(target.rawValue): \(files.count) inputs, \(findings) findings")
        return findings == 0 ? 0 : 1
    }
}

#if USAGE_ETL_FUZZING
/// The target this process fuzzes, from its first argument (read once, before fuzzing starts).
let selectedTarget: FuzzTarget? = CommandLine.arguments.dropFirst().first.flatMap(FuzzTarget.init(rawValue:))

/// One input: a finding becomes a crash, which libFuzzer reports and keeps the input of.
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let target = selectedTarget else { return 0 }
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    do { try target.run(bytes) } catch {
        FileHandle.standardError.write(Data("finding in \(target.rawValue): \(error)\n".utf8))
        fatalError("fuzz finding") // deliberate, fuzz builds only: libFuzzer's crash handler keeps the input
    }
    return 0
}

/// libFuzzer's entry point for a driver with its own `main` (compiler-rt's FuzzerInterface.h).
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

/// Hands the arguments but the target's name to libFuzzer and fuzzes until it stops.
func runLibFuzzer(dropping index: Int) -> Int32 {
    var arguments: [UnsafeMutablePointer<CChar>?] = CommandLine.arguments.enumerated()
        .filter { $0.offset != index }.map { strdup($0.element) }
    arguments.append(nil)
    var argc = Int32(arguments.count - 1)
    return arguments.withUnsafeMutableBufferPointer { buffer in
        // libFuzzer keeps argv for the process's life; the strdup'ed strings are never freed.
        var argv = buffer.baseAddress ?? UnsafeMutablePointer.allocate(capacity: 1)
        return LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzOne(data, size) }
    }
}
#endif
