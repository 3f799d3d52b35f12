import CMalloc
import Digest
import Foundation
import UsageETLCLI

// Buffers of 128 KiB and more (page bodies, COPY chunks) are mapped and returned to the system
// when freed. glibc would otherwise raise this threshold after the first large free and keep the
// freed megabytes in its heap, so peak memory would follow the largest page seen.
_ = mallopt(M_MMAP_THRESHOLD, 128 * 1024)

do {
    try SHA256.checkAvailable()
} catch {
    FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
    exit(2)
}

UsageETL.runMain()
