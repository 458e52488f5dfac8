/// Finds the first byte that is not valid UTF-8, so a file in another encoding is refused with a
/// position rather than half-parsed.
enum UTF8Check {
    struct Failure {
        var byteOffset: Int
        var line: Int
        var column: Int
    }

    static func firstInvalidByte(in bytes: [UInt8]) -> Failure? {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var offset = 0, line = 1, column = 1
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded):
                offset += encoded.count
                if encoded.count == 1, encoded.first == UInt8(ascii: "\n") {
                    line += 1
                    column = 1
                } else {
                    column += 1
                }
            case .error:
                return Failure(byteOffset: offset, line: line, column: column)
            case .emptyInput:
                return nil
            }
        }
    }
}
