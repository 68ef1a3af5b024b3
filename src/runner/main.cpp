// ambient-runner: placeholder until the turn loop lands.
#include "runner/config.hpp"

#include <iostream>

int main() {
    try {
        auto config = ambient::runner::load_config();
        (void)config;
    } catch (const ambient::runner::ConfigError& e) {
        std::cerr << "ambient-runner: " << e.what() << "\n";
        return 2;
    }
    return 0;
}
