@main struct Offboard { static func main() {} }
