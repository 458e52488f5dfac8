import CMalloc
import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// Heap the server grows and touches at start, so the first burst of requests after a start (a hundred HR triggers
/// at once) is served from memory the process already has instead of faulting in a fresh page every 4 KiB.
///
/// glibc's malloc gives each thread an arena, and a fresh process grows them only as the burst arrives: measured
/// with 100 concurrent triggers, about 2,800 page faults (11 MiB) on the threads that serve it, against about 300
/// once they had served a burst before. On a virtual machine whose host takes freed guest memory back (a balloon,
/// free-page reporting), each such fault can also wait for the host, which made the first burst after a start
/// up to twice as slow as a later one (Benchmarks/README.md). With a reserve, each thread that serves requests
/// (NIO's event loops and Swift's cooperative threads) grows its arena by the reserve once, and malloc keeps up to
/// twice that of free memory per arena instead of handing it back after each burst. The cost is resident memory:
/// the reserve times those threads (4 × 8 MiB = 32 MiB on two cores, by default).
public struct MemoryReserve: Sendable {
    /// MiB each thread that serves requests keeps ready; 0: none (malloc as it comes).
    public let megabytesPerThread: Int

    /// The default: 8 MiB per thread, about what the first 100-trigger burst grew each cooperative thread by.
    public static let defaultMegabytesPerThread = 8

    public init(megabytesPerThread: Int = Self.defaultMegabytesPerThread) {
        self.megabytesPerThread = megabytesPerThread
    }

    /// Grows and touches the arenas of `eventLoops`' threads and of the cooperative threads; returns how many threads
    /// were given the reserve (0 when there is none).
    @discardableResult
    public func apply(eventLoops: MultiThreadedEventLoopGroup = .singleton) async -> Int {
        guard megabytesPerThread > 0 else { return 0 }
        let bytes = megabytesPerThread << 20
        // Freed memory up to twice the reserve stays with its arena (glibc's default keeps 128 KiB, adjusted upwards
        // by the largest block freed); allocations of 4 MiB and more are mapped and unmapped on their own, as before.
        _ = mallopt(M_MMAP_THRESHOLD, Int32(4 << 20))
        _ = mallopt(M_TRIM_THRESHOLD, Int32(clamping: 2 * bytes))
        var threads = 0
        for loop in eventLoops.makeIterator() {
            if (try? await loop.submit({ Self.touch(bytes) }).get()) != nil { threads += 1 }
        }
        threads += await Self.touchCooperativeThreads(bytes)
        return threads
    }

    /// Touches `bytes` on each of Swift's cooperative threads: one task per thread, each waiting (briefly) until all
    /// have started, so no two of them run on the same thread one after the other.
    private static func touchCooperativeThreads(_ bytes: Int) async -> Int {
        let width = ProcessInfo.processInfo.activeProcessorCount
        let started = Arrivals()
        return await withTaskGroup(of: Int.self) { group in
            for _ in 0..<width {
                group.addTask {
                    started.count.add(1, ordering: .acquiringAndReleasing)
                    // Bounded: fewer threads than processors (a CPU quota) must not hold the start up.
                    let giveUp = ContinuousClock.now + .milliseconds(200)
                    while started.count.load(ordering: .acquiring) < width, ContinuousClock.now < giveUp { usleep(100) }
                    touch(bytes)
                    return 1
                }
            }
            return await group.reduce(0, +)
        }
    }

    /// Allocates `bytes` in blocks small enough to come from this thread's arena, writes every page, and frees them:
    /// the arena keeps them, touched.
    private static func touch(_ bytes: Int) {
        let block = 64 << 10
        var blocks: [UnsafeMutableRawPointer] = []
        blocks.reserveCapacity(bytes / block)
        for _ in 0..<(bytes / block) {
            guard let memory = malloc(block) else { break }
            // explicit_bzero, not memset: a write to memory freed next is otherwise dropped by the optimiser.
            explicit_bzero(memory, block)
            blocks.append(memory)
        }
        for memory in blocks { free(memory) }
    }
}

/// The tasks of `touchCooperativeThreads` that have started.
private final class Arrivals: Sendable {
    let count = Atomic<Int>(0)
}
