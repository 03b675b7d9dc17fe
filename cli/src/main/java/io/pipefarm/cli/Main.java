package io.pipefarm.cli;

/** Entry point of the {@code pipefarm} command. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.out.println("pipefarm: under construction");
    }
}
