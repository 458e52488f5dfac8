#if os(Linux)
import CMalloc
#endif
import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// Heap the server grows and touches at start, so the first burst of requests after a start (a hundred HR triggers
/// at once) is served from memory the process already has instead of faulting in a fresh page every 4 KiB.
///
/// glibc's malloc gives threads arenas of their own, and a fresh process grows them only as the burst arrives:
/// measured with 100 concurrent triggers, about 2,800 page faults (11 MiB), most on the cooperative threads, against
/// 1,100–1,500 on a server that had served a burst before and about 330 with the reserve. On a virtual machine whose
/// host takes freed guest memory back (a balloon, free-page reporting), such a fault can also wait for the host
/// (Benchmarks/README.md). With a reserve, the arena of each thread that serves requests (NIO's event loops and
/// Swift's cooperative threads) grows by the reserve once, and malloc keeps up to twice that of free memory in every
/// arena instead of handing it back after each burst. The cost is resident memory: at most the reserve times those
/// threads (4 × 8 MiB on two cores by default; about 20 MiB more was measured after a burst).
///
/// Linux (glibc) only; elsewhere it does nothing. Malloc tunables an operator set (`GLIBC_TUNABLES`) are kept.
public struct MemoryReserve: Sendable {
    /// MiB each thread that serves requests keeps ready; 0: none (malloc as it comes).
    public let megabytesPerThread: Int

    /// The default: 8 MiB per thread, about twice what the first 100-trigger burst grew each cooperative thread by.
    public static let defaultMegabytesPerThread = 8
    /// The most per thread: an arena's heaps are at most 64 MiB each, and a heap left wholly free is unmapped.
    public static let maximumMegabytesPerThread = 32

    public init(megabytesPerThread: Int = Self.defaultMegabytesPerThread) {
        self.megabytesPerThread = min(max(0, megabytesPerThread), Self.maximumMegabytesPerThread)
    }

    /// Grows and touches the arenas of `eventLoops`' threads and of the cooperative threads; returns how many
    /// distinct threads were given the reserve (0 when there is none, or off Linux).
    @discardableResult
    public func apply(eventLoops: MultiThreadedEventLoopGroup = .singleton) async -> Int {
        #if os(Linux)
        guard megabytesPerThread > 0 else { return 0 }
        let bytes = megabytesPerThread << 20
        if !(ProcessInfo.processInfo.environment["GLIBC_TUNABLES"] ?? "").contains("malloc.") {
            // Setting either turns off glibc's own adjustment of the two (mapped blocks from 128 KiB, rising to
            // 32 MiB as large blocks are freed): blocks under 4 MiB now come from the arenas, larger ones are
            // mapped and unmapped alone; every arena (the database writer's too) keeps up to twice the reserve free.
            _ = mallopt(M_MMAP_THRESHOLD, Int32(4 << 20))
            _ = mallopt(M_TRIM_THRESHOLD, Int32(2 * bytes))
        }
        var threads: Set<pid_t> = []
        for loop in eventLoops.makeIterator() {
            if let thread = try? await loop.submit({ Self.touch(bytes) }).get() { threads.insert(thread) }
        }
        threads.formUnion(await Self.touchCooperativeThreads(bytes))
        return threads.count
        #else
        return 0
        #endif
    }

    #if os(Linux)
    /// Touches `bytes` on each of Swift's cooperative threads: one task per processor, each waiting (at most 200 ms)
    /// until all have started, so that no thread runs two of them. Returns the threads that ran one.
    private static func touchCooperativeThreads(_ bytes: Int) async -> Set<pid_t> {
        let width = ProcessInfo.processInfo.activeProcessorCount
        let started = Arrivals()
        return await withTaskGroup(of: pid_t.self) { group in
            for _ in 0..<width {
                group.addTask {
                    started.count.add(1, ordering: .acquiringAndReleasing)
                    // Bounded: a pool narrower than the processors (a CPU quota) must not hold the start up.
                    let giveUp = ContinuousClock.now + .milliseconds(200)
                    while started.count.load(ordering: .acquiring) < width, ContinuousClock.now < giveUp { usleep(100) }
                    return touch(bytes)
                }
            }
            var threads: Set<pid_t> = []
            for await thread in group { threads.insert(thread) }
            return threads
        }
    }

    /// Allocates `bytes` in blocks small enough to come from this thread's arena, writes every page, and frees them:
    /// the arena keeps them, touched. Returns this thread's id.
    private static func touch(_ bytes: Int) -> pid_t {
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
        return cmalloc_thread_id()
    }
    #endif
}

/// The tasks of `touchCooperativeThreads` that have started.
private final class Arrivals: Sendable {
    let count = Atomic<Int>(0)
}
