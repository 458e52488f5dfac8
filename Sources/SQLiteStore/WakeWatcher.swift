import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A wake-up channel between processes sharing one database: a writer touches a small file beside it, and
/// idle workers watching it with inotify look for due runs at once (within milliseconds) instead of at their
/// next poll. Polling stays the fallback: a missed signal only costs the poll interval.
enum WakeWatcher {
    /// Appends a byte to `path` (creating it), which every inotify watch on it sees as a close after writing.
    static func touch(_ path: String) {
        // Never through a symbolic link, and only a regular file: someone who can write the directory must not be
        // able to make offboard write (or truncate) another file.
        let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else { return }
        var byte: UInt8 = 0x0A
        // Keep the file tiny (it only carries the event): rewrite its one byte once it has grown.
        if status.st_size >= 4096 { _ = ftruncate(descriptor, 0) }
        _ = write(descriptor, &byte, 1)
    }

    /// A stream that yields each time the file is written; nil when inotify is not available.
    static func watch(_ path: String) -> AsyncStream<Void>? {
        touch(path)
        let descriptor = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard descriptor >= 0 else { return nil }
        guard inotify_add_watch(descriptor, path, UInt32(IN_CLOSE_WRITE | IN_MODIFY | IN_ATTRIB)) >= 0 else {
            close(descriptor)
            return nil
        }
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let source = DispatchSource.makeReadSource(fileDescriptor: descriptor, queue: DispatchQueue(label: "offboard.wake"))
        source.setEventHandler {
            var buffer = [UInt8](repeating: 0, count: 4096)
            while read(descriptor, &buffer, buffer.count) > 0 {}
            continuation.yield()
        }
        source.setCancelHandler { close(descriptor) }
        let box = SourceBox(source)
        continuation.onTermination = { _ in box.source.cancel() }
        source.resume()
        return stream
    }
}

/// Carries the dispatch source into the stream's termination handler.
private final class SourceBox: @unchecked Sendable {
    // Safe to share: the source is only cancelled through it, and DispatchSource.cancel is thread-safe.
    let source: any DispatchSourceRead
    init(_ source: any DispatchSourceRead) { self.source = source }
}
